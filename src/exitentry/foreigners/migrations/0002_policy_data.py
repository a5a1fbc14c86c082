"""Policy data of the foreigners' services: who decides which document, why a visa may be given
on arrival, and the notices sent to foreigners and employers, in five languages.

Rows are only added when missing, never overwritten: officers edit them in the admin afterwards.
"""

from django.db import migrations

AUTHORITIES = [
    ("foreign_work_permit", "work_permit_officer"),
    ("foreign_residence_work", "officer"),
    ("foreign_residence_study", "officer"),
    ("foreign_residence_family", "officer"),
    ("foreign_residence_talent", "officer"),
    ("foreign_visa", "officer"),
    ("foreign_talent_visa", "officer"),
]

# Port visas are for urgent, unplannable trips (Exit-Entry Administration Law art. 20 and
# Regulations on the Administration of Entry and Exit of Foreigners art. 11).
REASONS = [
    ("urgent_business", 10, {
        "zh-hans": "应邀参加紧急商务活动", "en": "Invited for urgent business",
        "ru": "Приглашение для срочных деловых мероприятий", "ja": "緊急の商用活動への招へい",
        "ko": "긴급 상무 활동 초청",
    }),
    ("emergency_rescue", 20, {
        "zh-hans": "应邀参加紧急救援", "en": "Invited for emergency rescue work",
        "ru": "Приглашение для экстренных спасательных работ", "ja": "緊急救援への招へい",
        "ko": "긴급 구조 활동 초청",
    }),
    ("critically_ill_relative", 30, {
        "zh-hans": "探望危重病人", "en": "Visiting a critically ill relative",
        "ru": "Посещение тяжелобольного родственника", "ja": "危篤の親族の見舞い",
        "ko": "위독한 친척 방문",
    }),
    ("funeral", 40, {
        "zh-hans": "处理丧事", "en": "Attending to a funeral",
        "ru": "Организация похорон", "ja": "葬儀のため", "ko": "장례 처리",
    }),
    ("engineering_repair", 50, {
        "zh-hans": "应邀进行紧急工程抢修", "en": "Invited for urgent engineering repairs",
        "ru": "Приглашение для срочного инженерного ремонта", "ja": "緊急の工事修理への招へい",
        "ko": "긴급 공사 수리 초청",
    }),
    ("other_urgent", 90, {
        "zh-hans": "其他紧急事由", "en": "Another urgent reason",
        "ru": "Другая срочная причина", "ja": "その他の緊急の理由", "ko": "기타 긴급 사유",
    }),
]

TEMPLATES = [
    {
        "code": "foreigners_submitted",
        "description": "外国人申请提交后发给申请人和雇主 / To the foreigner and the employer when an application is filed",
        "placeholders": ["number", "url"],
        "subjects": {
            "zh-hans": "申请已提交", "en": "Application received", "ru": "Заявление получено",
            "ja": "申請を受け付けました", "ko": "신청이 접수되었습니다",
        },
        "bodies": {
            "zh-hans": "申请{number}已提交。审批完成后您将收到一份结果通知：{url}",
            "en": "Application {number} has been received. You will receive one notice with the result when it is decided: {url}",
            "ru": "Заявление {number} получено. Когда решение будет принято, вы получите одно уведомление с результатом: {url}",
            "ja": "申請{number}を受け付けました。審査が終わると結果の通知を1回お送りします：{url}",
            "ko": "신청 {number}이(가) 접수되었습니다. 결정이 나면 결과 통지를 한 번 보내 드립니다: {url}",
        },
    },
    {
        "code": "foreigners_result_approved",
        "description": "联办或外国人申请获批（一次通知）/ One notice: the application is approved",
        "placeholders": ["number", "url"],
        "subjects": {
            "zh-hans": "申请已批准", "en": "Application approved", "ru": "Заявление одобрено",
            "ja": "申請が承認されました", "ko": "신청이 승인되었습니다",
        },
        "bodies": {
            "zh-hans": "申请{number}已批准。证件制作完成后请到受理大厅领取：{url}",
            "en": "Application {number} has been approved. Collect the documents at the service hall when they are ready: {url}",
            "ru": "Заявление {number} одобрено. Получите документы в зале обслуживания, когда они будут готовы: {url}",
            "ja": "申請{number}は承認されました。証件ができ次第、受付ホールでお受け取りください：{url}",
            "ko": "신청 {number}이(가) 승인되었습니다. 서류가 준비되면 접수 홀에서 수령하십시오: {url}",
        },
    },
    {
        "code": "foreigners_result_refused",
        "description": "联办或外国人申请不予批准（一次通知，含理由）/ One notice: the application is refused, with the reason",
        "placeholders": ["number", "reason", "url"],
        "subjects": {
            "zh-hans": "申请未获批准", "en": "Application refused", "ru": "В заявлении отказано",
            "ja": "申請は承認されませんでした", "ko": "신청이 거절되었습니다",
        },
        "bodies": {
            "zh-hans": "申请{number}未获批准。理由：{reason}。详情：{url}",
            "en": "Application {number} has been refused. Reason: {reason}. Details: {url}",
            "ru": "В заявлении {number} отказано. Причина: {reason}. Подробнее: {url}",
            "ja": "申請{number}は承認されませんでした。理由：{reason}。詳細：{url}",
            "ko": "신청 {number}이(가) 거절되었습니다. 사유: {reason}. 자세히: {url}",
        },
    },
]


def seed(apps, schema_editor):
    ItemAuthority = apps.get_model("foreigners", "ItemAuthority")
    PortVisaReason = apps.get_model("foreigners", "PortVisaReason")
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    for document_type, role in AUTHORITIES:
        ItemAuthority.objects.get_or_create(document_type=document_type, defaults={"role": role})
    for code, order, names in REASONS:
        PortVisaReason.objects.get_or_create(code=code, defaults={"names": names, "sort_order": order})
    for template in TEMPLATES:
        NotificationTemplate.objects.get_or_create(
            code=template["code"], defaults={k: v for k, v in template.items() if k != "code"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("foreigners", "0001_initial"),
        ("notifications", "0003_sms_to_a_phone_number"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
