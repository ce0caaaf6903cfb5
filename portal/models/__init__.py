from portal.models.pages import GuidancePage, HomePage, NoticeIndexPage, NoticePage
from portal.models.users import User

__all__ = ["GuidancePage", "HomePage", "NoticeIndexPage", "NoticePage", "User"]
