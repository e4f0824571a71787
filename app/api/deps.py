"""Shared request dependencies: the transaction-owning session and scope checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from app.db import get_session
from app.security import Principal, Scope, require, require_sessionless

# `scope="function"` makes FastAPI commit before the response is sent, so a client never reads
# a 200 for data that then failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Scope.read))]
Writer = Annotated[Principal, Depends(require(Scope.write))]
# For a route that runs its own transactions: no request session, no worker thread for the check.
SessionlessWriter = Annotated[Principal, Depends(require_sessionless(Scope.write))]
Approver = Annotated[Principal, Depends(require(Scope.approve))]
Admin = Annotated[Principal, Depends(require(Scope.admin))]
