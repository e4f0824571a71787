"""Contains all the data models used in inputs/outputs"""

from .account_action import AccountAction
from .account_action_in import AccountActionIn
from .account_action_result import AccountActionResult
from .account_actions_in import AccountActionsIn
from .account_actions_result import AccountActionsResult
from .action_in import ActionIn
from .action_value import ActionValue
from .actor_read import ActorRead
from .actor_type import ActorType
from .app_activity import AppActivity
from .app_activity_outcome import AppActivityOutcome
from .app_create import AppCreate
from .app_create_cloud import AppCreateCloud
from .app_graph_call import AppGraphCall
from .app_plan import AppPlan
from .app_plan_actions import AppPlanActions
from .app_plan_totals import AppPlanTotals
from .app_read import AppRead
from .app_read_cloud import AppReadCloud
from .app_sync_read import AppSyncRead
from .app_update import AppUpdate
from .app_update_cloud import AppUpdateCloud
from .approval_policy import ApprovalPolicy
from .assignment_drift import AssignmentDrift
from .assignment_read import AssignmentRead
from .assignment_read_applied_type_0 import AssignmentReadAppliedType0
from .assignment_read_desired_type_0 import AssignmentReadDesiredType0
from .assignment_read_last_error_type_0 import AssignmentReadLastErrorType0
from .assignment_state import AssignmentState
from .assignment_step_error import AssignmentStepError
from .assignment_target import AssignmentTarget
from .attempt_read import AttemptRead
from .audit_entry_read import AuditEntryRead
from .audit_entry_read_after_type_0 import AuditEntryReadAfterType0
from .audit_entry_read_before_type_0 import AuditEntryReadBeforeType0
from .audit_list_format_type_0 import AuditListFormatType0
from .authorize_read import AuthorizeRead
from .bulk_mode import BulkMode
from .ca_certificate_read import CaCertificateRead
from .catalog_item import CatalogItem
from .certificate_in import CertificateIn
from .certificate_read import CertificateRead
from .change_read import ChangeRead
from .check_group import CheckGroup
from .check_license import CheckLicense
from .check_read import CheckRead
from .check_user import CheckUser
from .check_user_parameters import CheckUserParameters
from .check_user_result import CheckUserResult
from .condition_in import ConditionIn
from .connection_report import ConnectionReport
from .connection_report_failed_step_type_0 import ConnectionReportFailedStepType0
from .consent_read import ConsentRead
from .cycle_read import CycleRead
from .cycle_read_conflict_examples_item import CycleReadConflictExamplesItem
from .cycle_read_kind import CycleReadKind
from .cycle_read_matched_by import CycleReadMatchedBy
from .cycle_read_phases_ms import CycleReadPhasesMs
from .cycle_read_round_trips import CycleReadRoundTrips
from .delivery_read import DeliveryRead
from .delivery_read_payload import DeliveryReadPayload
from .delivery_status import DeliveryStatus
from .deprovision_policy import DeprovisionPolicy
from .disposition import Disposition
from .domain_check_read import DomainCheckRead
from .domain_check_read_type_type_0 import DomainCheckReadTypeType0
from .drift_figures import DriftFigures
from .drift_figures_found import DriftFiguresFound
from .drift_item_read import DriftItemRead
from .drift_kind import DriftKind
from .drift_policy import DriftPolicy
from .drift_policy_account_enabled import DriftPolicyAccountEnabled
from .drift_policy_attributes import DriftPolicyAttributes
from .drift_policy_deleted import DriftPolicyDeleted
from .drift_policy_groups import DriftPolicyGroups
from .drift_policy_licenses import DriftPolicyLicenses
from .drift_report import DriftReport
from .drift_report_counts import DriftReportCounts
from .dry_run_read import DryRunRead
from .dry_run_user import DryRunUser
from .dry_run_user_result import DryRunUserResult
from .entitlements_read import EntitlementsRead
from .field_error import FieldError
from .finding import Finding
from .finding_severity import FindingSeverity
from .graph_call_read import GraphCallRead
from .graph_error_read import GraphErrorRead
from .group_create import GroupCreate
from .group_read import GroupRead
from .group_update import GroupUpdate
from .health_live_response_health_live import HealthLiveResponseHealthLive
from .held_read import HeldRead
from .held_read_counts import HeldReadCounts
from .held_read_deletes_item import HeldReadDeletesItem
from .held_read_disables_item import HeldReadDisablesItem
from .job_progress import JobProgress
from .job_read import JobRead
from .job_read_params import JobReadParams
from .job_read_result_type_0 import JobReadResultType0
from .job_status import JobStatus
from .last_sync_read import LastSyncRead
from .last_sync_read_errors_item import LastSyncReadErrorsItem
from .last_sync_read_planned_type_0 import LastSyncReadPlannedType0
from .last_sync_read_skipped_reasons import LastSyncReadSkippedReasons
from .license_read import LicenseRead
from .license_read_service_plans_item import LicenseReadServicePlansItem
from .log_event import LogEvent
from .log_event_data import LogEventData
from .log_step import LogStep
from .log_step_error_type_0 import LogStepErrorType0
from .mapping_create import MappingCreate
from .mapping_create_match import MappingCreateMatch
from .mapping_read import MappingRead
from .mapping_read_match import MappingReadMatch
from .mapping_update import MappingUpdate
from .mapping_update_match import MappingUpdateMatch
from .match_key import MatchKey
from .named_ref import NamedRef
from .object_read import ObjectRead
from .object_type import ObjectType
from .on_demand_result import OnDemandResult
from .on_demand_step import OnDemandStep
from .open_task import OpenTask
from .page_app_activity import PageAppActivity
from .page_app_read import PageAppRead
from .page_assignment_read import PageAssignmentRead
from .page_audit_entry_read import PageAuditEntryRead
from .page_delivery_read import PageDeliveryRead
from .page_group_read import PageGroupRead
from .page_job_read import PageJobRead
from .page_provisioning_log_entry import PageProvisioningLogEntry
from .page_role_read import PageRoleRead
from .page_source_read import PageSourceRead
from .page_task_read import PageTaskRead
from .page_tenant_account_read import PageTenantAccountRead
from .page_token_read import PageTokenRead
from .page_user_read import PageUserRead
from .page_webhook_read import PageWebhookRead
from .parameter_in import ParameterIn
from .parameter_in_source import ParameterInSource
from .plan_action import PlanAction
from .plan_example import PlanExample
from .plan_example_license_names import PlanExampleLicenseNames
from .plan_example_plan import PlanExamplePlan
from .plan_read import PlanRead
from .preflight_report import PreflightReport
from .problem import Problem
from .provisioning_log_entry import ProvisioningLogEntry
from .quarantine_read import QuarantineRead
from .role_create import RoleCreate
from .role_grant import RoleGrant
from .role_grant_source import RoleGrantSource
from .role_ids import RoleIds
from .role_read import RoleRead
from .role_update import RoleUpdate
from .rule_create import RuleCreate
from .rule_create_match import RuleCreateMatch
from .rule_read import RuleRead
from .rule_read_match import RuleReadMatch
from .rule_update import RuleUpdate
from .rule_update_match import RuleUpdateMatch
from .sandbox_demo_read import SandboxDemoRead
from .sandbox_demo_read_cloud import SandboxDemoReadCloud
from .sandbox_demo_read_example_type_0 import SandboxDemoReadExampleType0
from .scope import Scope
from .search_result import SearchResult
from .server_info import ServerInfo
from .skipped_entry import SkippedEntry
from .source_anchor import SourceAnchor
from .source_create import SourceCreate
from .source_create_attribute_map_type_0 import SourceCreateAttributeMapType0
from .source_deleted import SourceDeleted
from .source_kind import SourceKind
from .source_read import SourceRead
from .source_read_attribute_map import SourceReadAttributeMap
from .source_read_held_type_0 import SourceReadHeldType0
from .source_read_last_sync_type_0 import SourceReadLastSyncType0
from .source_ref import SourceRef
from .source_status import SourceStatus
from .source_sync_read import SourceSyncRead
from .source_sync_request import SourceSyncRequest
from .source_test_request import SourceTestRequest
from .source_test_request_attribute_map_type_0 import SourceTestRequestAttributeMapType0
from .source_tls import SourceTls
from .source_update import SourceUpdate
from .source_update_attribute_map import SourceUpdateAttributeMap
from .step_error_read import StepErrorRead
from .step_kind import StepKind
from .step_read import StepRead
from .step_result import StepResult
from .step_status import StepStatus
from .sync_request import SyncRequest
from .sync_state import SyncState
from .task_action import TaskAction
from .task_ids import TaskIds
from .task_read import TaskRead
from .task_read_plan import TaskReadPlan
from .task_status import TaskStatus
from .tenant_account_read import TenantAccountRead
from .tenant_account_read_attributes import TenantAccountReadAttributes
from .tenant_group_read import TenantGroupRead
from .token_create import TokenCreate
from .token_created import TokenCreated
from .token_read import TokenRead
from .user_bulk_create import UserBulkCreate
from .user_bulk_item import UserBulkItem
from .user_bulk_result import UserBulkResult
from .user_create import UserCreate
from .user_create_custom_attributes import UserCreateCustomAttributes
from .user_ids import UserIds
from .user_read import UserRead
from .user_read_custom_attributes import UserReadCustomAttributes
from .user_read_effective_attributes import UserReadEffectiveAttributes
from .user_read_mapped_attributes import UserReadMappedAttributes
from .user_status import UserStatus
from .user_update import UserUpdate
from .user_update_custom_attributes import UserUpdateCustomAttributes
from .webhook_create import WebhookCreate
from .webhook_created import WebhookCreated
from .webhook_event_type import WebhookEventType
from .webhook_read import WebhookRead
from .webhook_update import WebhookUpdate
from .why_group import WhyGroup
from .why_license import WhyLicense
from .why_parameter import WhyParameter
from .why_read import WhyRead
from .why_role import WhyRole
from .why_role_source import WhyRoleSource

__all__ = (
    "AccountAction",
    "AccountActionIn",
    "AccountActionResult",
    "AccountActionsIn",
    "AccountActionsResult",
    "ActionIn",
    "ActionValue",
    "ActorRead",
    "ActorType",
    "AppActivity",
    "AppActivityOutcome",
    "AppCreate",
    "AppCreateCloud",
    "AppGraphCall",
    "AppPlan",
    "AppPlanActions",
    "AppPlanTotals",
    "AppRead",
    "AppReadCloud",
    "ApprovalPolicy",
    "AppSyncRead",
    "AppUpdate",
    "AppUpdateCloud",
    "AssignmentDrift",
    "AssignmentRead",
    "AssignmentReadAppliedType0",
    "AssignmentReadDesiredType0",
    "AssignmentReadLastErrorType0",
    "AssignmentState",
    "AssignmentStepError",
    "AssignmentTarget",
    "AttemptRead",
    "AuditEntryRead",
    "AuditEntryReadAfterType0",
    "AuditEntryReadBeforeType0",
    "AuditListFormatType0",
    "AuthorizeRead",
    "BulkMode",
    "CaCertificateRead",
    "CatalogItem",
    "CertificateIn",
    "CertificateRead",
    "ChangeRead",
    "CheckGroup",
    "CheckLicense",
    "CheckRead",
    "CheckUser",
    "CheckUserParameters",
    "CheckUserResult",
    "ConditionIn",
    "ConnectionReport",
    "ConnectionReportFailedStepType0",
    "ConsentRead",
    "CycleRead",
    "CycleReadConflictExamplesItem",
    "CycleReadKind",
    "CycleReadMatchedBy",
    "CycleReadPhasesMs",
    "CycleReadRoundTrips",
    "DeliveryRead",
    "DeliveryReadPayload",
    "DeliveryStatus",
    "DeprovisionPolicy",
    "Disposition",
    "DomainCheckRead",
    "DomainCheckReadTypeType0",
    "DriftFigures",
    "DriftFiguresFound",
    "DriftItemRead",
    "DriftKind",
    "DriftPolicy",
    "DriftPolicyAccountEnabled",
    "DriftPolicyAttributes",
    "DriftPolicyDeleted",
    "DriftPolicyGroups",
    "DriftPolicyLicenses",
    "DriftReport",
    "DriftReportCounts",
    "DryRunRead",
    "DryRunUser",
    "DryRunUserResult",
    "EntitlementsRead",
    "FieldError",
    "Finding",
    "FindingSeverity",
    "GraphCallRead",
    "GraphErrorRead",
    "GroupCreate",
    "GroupRead",
    "GroupUpdate",
    "HealthLiveResponseHealthLive",
    "HeldRead",
    "HeldReadCounts",
    "HeldReadDeletesItem",
    "HeldReadDisablesItem",
    "JobProgress",
    "JobRead",
    "JobReadParams",
    "JobReadResultType0",
    "JobStatus",
    "LastSyncRead",
    "LastSyncReadErrorsItem",
    "LastSyncReadPlannedType0",
    "LastSyncReadSkippedReasons",
    "LicenseRead",
    "LicenseReadServicePlansItem",
    "LogEvent",
    "LogEventData",
    "LogStep",
    "LogStepErrorType0",
    "MappingCreate",
    "MappingCreateMatch",
    "MappingRead",
    "MappingReadMatch",
    "MappingUpdate",
    "MappingUpdateMatch",
    "MatchKey",
    "NamedRef",
    "ObjectRead",
    "ObjectType",
    "OnDemandResult",
    "OnDemandStep",
    "OpenTask",
    "PageAppActivity",
    "PageAppRead",
    "PageAssignmentRead",
    "PageAuditEntryRead",
    "PageDeliveryRead",
    "PageGroupRead",
    "PageJobRead",
    "PageProvisioningLogEntry",
    "PageRoleRead",
    "PageSourceRead",
    "PageTaskRead",
    "PageTenantAccountRead",
    "PageTokenRead",
    "PageUserRead",
    "PageWebhookRead",
    "ParameterIn",
    "ParameterInSource",
    "PlanAction",
    "PlanExample",
    "PlanExampleLicenseNames",
    "PlanExamplePlan",
    "PlanRead",
    "PreflightReport",
    "Problem",
    "ProvisioningLogEntry",
    "QuarantineRead",
    "RoleCreate",
    "RoleGrant",
    "RoleGrantSource",
    "RoleIds",
    "RoleRead",
    "RoleUpdate",
    "RuleCreate",
    "RuleCreateMatch",
    "RuleRead",
    "RuleReadMatch",
    "RuleUpdate",
    "RuleUpdateMatch",
    "SandboxDemoRead",
    "SandboxDemoReadCloud",
    "SandboxDemoReadExampleType0",
    "Scope",
    "SearchResult",
    "ServerInfo",
    "SkippedEntry",
    "SourceAnchor",
    "SourceCreate",
    "SourceCreateAttributeMapType0",
    "SourceDeleted",
    "SourceKind",
    "SourceRead",
    "SourceReadAttributeMap",
    "SourceReadHeldType0",
    "SourceReadLastSyncType0",
    "SourceRef",
    "SourceStatus",
    "SourceSyncRead",
    "SourceSyncRequest",
    "SourceTestRequest",
    "SourceTestRequestAttributeMapType0",
    "SourceTls",
    "SourceUpdate",
    "SourceUpdateAttributeMap",
    "StepErrorRead",
    "StepKind",
    "StepRead",
    "StepResult",
    "StepStatus",
    "SyncRequest",
    "SyncState",
    "TaskAction",
    "TaskIds",
    "TaskRead",
    "TaskReadPlan",
    "TaskStatus",
    "TenantAccountRead",
    "TenantAccountReadAttributes",
    "TenantGroupRead",
    "TokenCreate",
    "TokenCreated",
    "TokenRead",
    "UserBulkCreate",
    "UserBulkItem",
    "UserBulkResult",
    "UserCreate",
    "UserCreateCustomAttributes",
    "UserIds",
    "UserRead",
    "UserReadCustomAttributes",
    "UserReadEffectiveAttributes",
    "UserReadMappedAttributes",
    "UserStatus",
    "UserUpdate",
    "UserUpdateCustomAttributes",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookEventType",
    "WebhookRead",
    "WebhookUpdate",
    "WhyGroup",
    "WhyLicense",
    "WhyParameter",
    "WhyRead",
    "WhyRole",
    "WhyRoleSource",
)
