"""Pure domain logic: conditions, mappings, rules, parameters and desired state.

No HTTP, no SQL, no I/O: plain frozen dataclasses in, plain frozen dataclasses out, so the API
layer, the workers and the benchmarks all call the same functions. Evaluation order:

    evaluate(mappings, user) -> effective_facts(user, outcome)
      -> evaluate_rules(rules, effective) -> compute_attributes(parameters, effective, ...)
      -> DesiredState.build(...) -> diff(desired, applied)
"""

from app.evaluation.actions import Action
from app.evaluation.conditions import (
    Condition,
    OperatorInfo,
    Predicate,
    SourceInfo,
    compile_condition,
    compile_conditions,
    condition_sources,
    operators_for,
    validate_condition,
    validate_conditions,
)
from app.evaluation.desired import DesiredState, Plan, diff
from app.evaluation.errors import ActionError, ConditionError, EvaluationError, ParameterError
from app.evaluation.facts import USER_FIELDS, Subject, UserFacts
from app.evaluation.mappings import (
    EMPTY_OUTCOME,
    Change,
    CompiledMappings,
    DryRunResult,
    Mapping,
    MappingOutcome,
    compile_mappings,
    dry_run,
    dry_run_mapping,
    effective_facts,
    evaluate,
    validate_mapping,
    validate_mapping_action,
)
from app.evaluation.parameters import (
    DEFAULT_PARAMETERS,
    Parameter,
    compute_attributes,
    default_parameters,
    derive_immutable_id,
    parameter_violations,
    validate_parameter,
    validate_parameters,
)
from app.evaluation.rules import (
    EMPTY_RULE_OUTCOME,
    CompiledRules,
    LicenseGrant,
    LicenseSpec,
    Rule,
    RuleCheck,
    RuleOutcome,
    check_rule,
    compile_rules,
    evaluate_rules,
    format_license_value,
    parse_license_value,
    validate_rule,
    validate_rule_action,
)

__all__ = [
    "DEFAULT_PARAMETERS",
    "EMPTY_OUTCOME",
    "EMPTY_RULE_OUTCOME",
    "USER_FIELDS",
    "Action",
    "ActionError",
    "Change",
    "CompiledMappings",
    "CompiledRules",
    "Condition",
    "ConditionError",
    "DesiredState",
    "DryRunResult",
    "EvaluationError",
    "LicenseGrant",
    "LicenseSpec",
    "Mapping",
    "MappingOutcome",
    "OperatorInfo",
    "Parameter",
    "ParameterError",
    "Plan",
    "Predicate",
    "Rule",
    "RuleCheck",
    "RuleOutcome",
    "SourceInfo",
    "Subject",
    "UserFacts",
    "check_rule",
    "compile_condition",
    "compile_conditions",
    "compile_mappings",
    "compile_rules",
    "compute_attributes",
    "condition_sources",
    "default_parameters",
    "derive_immutable_id",
    "diff",
    "dry_run",
    "dry_run_mapping",
    "effective_facts",
    "evaluate",
    "evaluate_rules",
    "format_license_value",
    "operators_for",
    "parameter_violations",
    "parse_license_value",
    "validate_condition",
    "validate_conditions",
    "validate_mapping",
    "validate_mapping_action",
    "validate_parameter",
    "validate_parameters",
    "validate_rule",
    "validate_rule_action",
]
