"""The notice to administrators and managers that next year's holiday calendar is still unknown.

Like 0002 and 0004, only a template that does not exist yet is added; an edited text is never
overwritten.
"""

from django.db import migrations

TEMPLATES = [
    {
        "code": "calendar_year_missing",
        "description": "次年节假日安排尚未录入时发给管理员和管理人员 / To administrators and managers when "
        "the coming year's holiday calendar is not known yet",
        "placeholders": ["year"],
        "subjects": {
            "zh-hans": "节假日安排尚未录入",
            "en": "A holiday calendar is missing",
            "ru": "Не внесён календарь праздников",
            "ja": "祝日カレンダーが未登録です",
            "ko": "공휴일 달력이 등록되지 않았습니다",
        },
        "bodies": {
            "zh-hans": "系统尚无{year}年的官方节假日安排。在管理员录入之前，{year}年的预约号源不会生成，"
            "延伸到{year}年的承诺办结日期也无法计算，相关事项不在时限监控之内。"
            "国务院公布安排后，请在管理后台“工作日 → 已确认的日历年度”中录入。",
            "en": "The official holiday calendar for {year} is not known yet. Until an administrator "
            "declares it, no appointment slots are made for {year}, and promised dates reaching into "
            "{year} cannot be computed, so those items are not watched for deadlines. Once the State "
            "Council publishes it, declare it in the administration under Working days → Declared calendar years.",
            "ru": "Официальный календарь праздников на {year} год пока неизвестен. Пока администратор "
            "его не внесёт, записи на {year} год не создаются, а обещанные сроки, заходящие в {year} год, "
            "нельзя рассчитать, и такие позиции не контролируются по срокам. Когда Госсовет его "
            "опубликует, внесите его в администрировании: «Рабочие дни → Подтверждённые календарные годы».",
            "ja": "{year}年の公式の祝日カレンダーはまだ登録されていません。管理者が登録するまで、{year}年の"
            "予約枠は作られず、{year}年にかかる処理期限も計算できないため、それらの案件は期限の監視対象に"
            "なりません。国務院の発表後、管理画面の「営業日 → 確定済みの暦年」で登録してください。",
            "ko": "{year}년 공식 공휴일 달력이 아직 등록되지 않았습니다. 관리자가 등록하기 전까지 {year}년 "
            "예약 시간대는 만들어지지 않고, {year}년으로 넘어가는 약속 기한도 계산할 수 없어 해당 항목은 "
            "기한 감시 대상에서 빠집니다. 국무원이 발표하면 관리 화면의 '근무일 → 확정된 달력 연도'에서 등록해 주십시오.",
        },
    },
]


def seed(apps, schema_editor):
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    for template in TEMPLATES:
        NotificationTemplate.objects.get_or_create(
            code=template["code"],
            defaults={key: value for key, value in template.items() if key != "code"},
        )


def unseed(apps, schema_editor):
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    NotificationTemplate.objects.filter(code__in=[t["code"] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_seed_delivery_templates")]

    operations = [migrations.RunPython(seed, unseed)]
