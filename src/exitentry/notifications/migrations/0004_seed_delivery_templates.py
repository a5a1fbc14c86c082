"""Delivery notices in all five languages: a document delivered by courier, and the permit an
applicant sent in for an endorsement received at the hall ("ready to collect" is in 0002).

Like 0002, only templates that do not exist yet are added; an edited text is never overwritten.
"""

from django.db import migrations

TEMPLATES = [
    {
        "code": "delivered",
        "description": "快递签收后发给申请人 / To the applicant when the courier has delivered a document",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "证件已送达",
            "en": "Delivered",
            "ru": "Документ доставлен",
            "ja": "お届けしました",
            "ko": "배송이 완료되었습니다",
        },
        "bodies": {
            "zh-hans": "您的申请{number}中的证件已由快递送达并签收。如未收到，请登录查看物流信息或联系受理单位。",
            "en": "A document from your application {number} has been delivered by the courier. If you did not receive it, sign in to see the courier's updates or contact the service hall.",
            "ru": "Документ по заявлению {number} доставлен курьером. Если вы его не получили, посмотрите сведения о доставке в личном кабинете или свяжитесь с залом обслуживания.",
            "ja": "申請{number}の証件が宅配便で配達されました。お受け取りでない場合は、ログインして配送状況をご確認いただくか、窓口にお問い合わせください。",
            "ko": "신청 {number}의 서류가 택배로 배달되었습니다. 받지 못하셨다면 로그인하여 배송 정보를 확인하시거나 민원 창구에 문의해 주십시오.",
        },
    },
    {
        "code": "permit_received",
        "description": "收到申请人寄来的通行证后发给申请人 / To the applicant when the permit they sent in has arrived",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "已收到您寄来的证件",
            "en": "Your permit has arrived",
            "ru": "Ваше разрешение получено",
            "ja": "お送りいただいた通行証を受け取りました",
            "ko": "보내신 통행증을 받았습니다",
        },
        "bodies": {
            "zh-hans": "我们已收到您为申请{number}寄来的通行证。签注办理完成后，将连同证件一并快递寄回给您。",
            "en": "We have received the permit you sent for application {number}. Once the endorsement is made, we send the permit back to you by courier.",
            "ru": "Мы получили разрешение на поездки, которое вы отправили для заявления {number}. Когда виза будет оформлена, мы вернём его вам курьером.",
            "ja": "申請{number}のためにお送りいただいた通行証を受け取りました。签注の手続きが済み次第、通行証を宅配便でお返しします。",
            "ko": "신청 {number}을(를) 위해 보내신 통행증을 받았습니다. 비자(签注) 처리가 끝나면 통행증을 택배로 돌려보내 드립니다.",
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
    dependencies = [("notifications", "0003_sms_to_a_phone_number")]

    operations = [migrations.RunPython(seed, unseed)]
