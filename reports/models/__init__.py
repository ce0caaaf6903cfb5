from reports.models.documents import (
    FieldCorrection,
    Report,
    ReportPhoto,
    ReportQuerySet,
    ReportScope,
    ReportState,
    ReportTransition,
    ReportVersion,
)
from reports.models.tasks import (
    FIRM_LOAD_STATES,
    OVERDUE_STATES,
    UNCONCLUDED_STATES,
    AppraisalTask,
    AppraisalTaskQuerySet,
    AppraisalType,
    TaskState,
    TaskTransition,
)

__all__ = [
    "FIRM_LOAD_STATES",
    "OVERDUE_STATES",
    "UNCONCLUDED_STATES",
    "AppraisalTask",
    "AppraisalTaskQuerySet",
    "AppraisalType",
    "FieldCorrection",
    "Report",
    "ReportPhoto",
    "ReportQuerySet",
    "ReportScope",
    "ReportState",
    "ReportTransition",
    "ReportVersion",
    "TaskState",
    "TaskTransition",
]
