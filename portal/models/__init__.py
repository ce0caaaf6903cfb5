from portal.models.notifications import NotificationKind, NotificationLog, NotificationStatus
from portal.models.pages import GuidancePage, HomePage, NoticeIndexPage, NoticePage
from portal.models.supervision import (
    AccountabilityKind,
    AccountabilityRecord,
    ActionStatus,
    RequiredAction,
    RequiredActionFollowUp,
    SupervisionKind,
    SupervisionRound,
    supervision_scope,
)
from portal.models.users import User

__all__ = [
    "AccountabilityKind",
    "AccountabilityRecord",
    "ActionStatus",
    "GuidancePage",
    "HomePage",
    "NoticeIndexPage",
    "NoticePage",
    "NotificationKind",
    "NotificationLog",
    "NotificationStatus",
    "RequiredAction",
    "RequiredActionFollowUp",
    "SupervisionKind",
    "SupervisionRound",
    "User",
    "supervision_scope",
]
