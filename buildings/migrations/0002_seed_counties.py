from django.db import migrations

# Yuncheng's county-level divisions (GB/T 2260). Rows, not code: another city edits them.
COUNTIES = [
    ("140802", "盐湖区"),
    ("140821", "临猗县"),
    ("140822", "万荣县"),
    ("140823", "闻喜县"),
    ("140824", "稷山县"),
    ("140825", "新绛县"),
    ("140826", "绛县"),
    ("140827", "垣曲县"),
    ("140828", "夏县"),
    ("140829", "平陆县"),
    ("140830", "芮城县"),
    ("140881", "永济市"),
    ("140882", "河津市"),
]


def seed(apps, schema_editor):
    County = apps.get_model("buildings", "County")
    for order, (code, name) in enumerate(COUNTIES, start=1):
        County.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


def unseed(apps, schema_editor):
    apps.get_model("buildings", "County").objects.filter(code__in=[c for c, _ in COUNTIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("buildings", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
