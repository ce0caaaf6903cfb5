"""Settings shared by every environment; the environment decides the rest.

Embedded defaults give a working single-machine portal: SQLite file, local media folder,
database search and a database-backed task worker.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from portal.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
# Home of the embedded defaults (SQLite file, media, collected static); git-ignored.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal",
    "institutions",
    "buildings",
    "reports",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "portal.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.security.PortalCSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into the
    # lockout page for every login form (portal, Django admin, Wagtail admin).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# DATABASE_URL decides the engine: sqlite:///path (default) or postgres://user@host:port/name.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
# django-axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "/"

# UI language: Simplified Chinese. Source strings are written in Chinese and wrapped for
# translation, so another language can be added with a .po file later.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Uploaded originals are private: they are served only through permission-checking views,
# never from MEDIA_URL. S3 (django-storages) is used when a bucket is configured.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background tasks (django-tasks). "database": django-tasks-db, drained by `manage.py db_worker`
# (the embedded default); "immediate": run inline, for tests and one-off scripts.
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
TASK_QUEUES = ["default", "parse", "search"]
TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES},
    "immediate": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASK_QUEUES,
    },
}
TASKS = {"default": TASK_BACKENDS[TASKS_BACKEND]}

# E-mail notifications (portal.notifications): console by default; SMTP via EMAIL_BACKEND.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "鉴定门户 <noreply@localhost>")
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Report search (our search/ app): "database" (SQLite FTS5 / PostgreSQL full text) or
# "elasticsearch". WAGTAILSEARCH_BACKENDS below is Wagtail's own page/admin search.
SEARCH_BACKEND = env_str("SEARCH_BACKEND", "database")
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")

# Campaign policy: the seed's priorities and deadlines and the unconfirmed ([K]) domain facts.
# Data, not code: a new campaign or locality edits this dict (or overrides it in settings).
CAMPAIGN = {
    # Open tasks a firm may hold at once unless its record says otherwise.
    "default_firm_capacity": env_int("FIRM_DEFAULT_CAPACITY", 30),
    # Qualification scope → structure types it lets a firm appraise.
    "qualification_scopes": {
        "主体结构": [
            "砖混结构",
            "砖木结构",
            "框架结构",
            "土木结构",
            "石木结构",
            "混合结构",
            "窑洞",
            "其他",
        ],
        "钢结构": ["钢结构"],
        "地基基础": [],
    },
    # Queue order, first rule: initial judgement (初判存疑 first, per the seed).
    "judgement_order": ["初判存疑", "存在严重安全隐患", "存在一定安全隐患", "未发现安全隐患"],
    # Queue order, second rule, and due dates: the seed's deadline classes, most urgent first.
    # A task created after the class's campaign date ("MM-DD" in the task's year) is due
    # grace_days after creation instead (发现一栋、鉴定一栋).
    "deadline_classes": [
        {
            "code": "business_alteration",
            "label": "经营性加建/改建/扩建",
            "due": "10-10",
            "grace_days": 15,
        },
        {
            "code": "business_large",
            "label": "经营性3层以上、大跨度或钢架",
            "due": "10-31",
            "grace_days": 30,
        },
        {"code": "other", "label": "其他", "due": None, "grace_days": 60},
    ],
    "large_floors": 3,  # "3层以上" read as ≥ 3 storeys
    "large_span_m": 12.0,  # [K] "跨度较大": no confirmed threshold
    # 安全评估 instead of full 鉴定: built within this many years, all four procedures complete.
    "assessment_recent_years": 10,  # [K] "近几年建成"
    "qualification_expiry_warning_days": 30,
    "due_soon_days": 7,
    # Referral (移送, "五类问题" [K]): problem categories and the departments they usually go to.
    # Codes are stored on records; labels and default departments may change.
    "problem_categories": [
        {"code": "house_safety", "label": "房屋安全隐患", "department": "住建部门"},
        {
            "code": "illegal_construction",
            "label": "违法违规建设",
            "department": "自然资源和规划部门",
        },
        {"code": "illegal_approval", "label": "违法违规审批", "department": "自然资源和规划部门"},
        {"code": "illegal_business", "label": "违规经营", "department": "市场监管部门"},
        {"code": "fire_safety", "label": "消防安全隐患", "department": "消防救援机构"},
    ],
    # Departments problems can be referred to (双通知、一报告 [K]: the owner and the department
    # are both notified; the department reports receipt and handling).
    "departments": [
        "住建部门",
        "自然资源和规划部门",
        "市场监管部门",
        "消防救援机构",
        "应急管理部门",
        "公安部门",
        "教育部门",
        "民政部门",
        "乡镇人民政府（街道办事处）",
    ],
    # Notifications: a task "due soon" this many days before its due date.
    "notify_due_days": 3,
}

# Report uploads and parsing. Parsing runs in a separate process with these limits.
REPORTS = {
    "max_pdf_bytes": env_int("REPORT_MAX_PDF_MB", 50) * 1024 * 1024,
    "max_photo_bytes": env_int("REPORT_MAX_PHOTO_MB", 20) * 1024 * 1024,
    "max_photos": env_int("REPORT_MAX_PHOTOS", 40),
    "max_photo_pixels": env_int("REPORT_MAX_PHOTO_PIXELS", 60_000_000),
    "max_pages": env_int("REPORT_MAX_PAGES", 150),
    "parse_timeout_seconds": env_int("REPORT_PARSE_TIMEOUT", 300),
    "parse_memory_bytes": env_int("REPORT_PARSE_MEMORY_MB", 1536) * 1024 * 1024,
    # A version stuck in "parsing" longer than this had its worker die: it is parsed again.
    "parse_stale_seconds": env_int("REPORT_PARSE_STALE", 900),
    "parse_max_attempts": 3,
    "page_image_width": 1000,
}

# REST API (portal/api). Authentication, permissions, parsers, pagination and throttles are
# set on the API's base view, so Wagtail's own DRF endpoints keep DRF's defaults; these are the
# knobs that differ per deployment.
REST_FRAMEWORK = {
    "DEFAULT_THROTTLE_RATES": {
        "api_user": env_str("API_THROTTLE_USER", "600/min"),
        "api_upload": env_str("API_THROTTLE_UPLOAD", "120/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "鉴定门户 API",
    "DESCRIPTION": "自建房安全鉴定门户接口（v1）：鉴定机构的任务与报告上传，住建局系统的房屋与报告查询。"
    "认证方式：请求头 `Authorization: Token <令牌>`，令牌在门户“API令牌”页面查看或更换。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Only /api/v1/ is documented (Wagtail's admin API is DRF too, and not ours to publish).
    "PREPROCESSING_HOOKS": ["portal.api.schema.only_api_v1"],
    "ENUM_NAME_OVERRIDES": {
        "TaskStateEnum": "reports.models.TaskState",
        "ReportStateEnum": "reports.models.ReportState",
        "JudgementEnum": "buildings.models.Judgement",
    },
    # portal.api.urls.IdConverter: row ids of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999}
    },
}

WAGTAIL_SITE_NAME = "鉴定门户"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "txt", "zip"]

DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The portal uses no camera, microphone, location or payment API; say so to the browser.
# Sent by portal.security.PortalCSPMiddleware (Django has no setting for it).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Content Security Policy (django-csp 4): no inline or third-party script anywhere in the
# portal's own pages. Inline *styles* stay allowed: templates still carry style attributes and
# <style> blocks, and style injection cannot run code. Wagtail's admin (/cms/) ships inline
# scripts in its widgets, so portal.security.PortalCSPMiddleware relaxes script-src there only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
CSP_RELAXED_SCRIPT_PREFIXES = ("/cms/",)
# Wagtail's admin would otherwise load avatars from gravatar.com, which the policy blocks.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Login throttling (django-axes): N failures for one username from one address lock that pair
# for the cool-off period. The address is REMOTE_ADDR only (django-ipware is not installed), so a
# client cannot reset its counter with a forged X-Forwarded-For; behind a proxy, the proxy must
# set REMOTE_ADDR (e.g. nginx real_ip) for per-client counting.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Failed logins from one address (any usernames) within 15 minutes before it is refused too.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "wagtail": {"level": "WARNING"}},
}
