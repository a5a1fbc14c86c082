"""The notification templates the product needs, in all five languages.

Templates are data: officers edit them in the admin afterwards, so this migration only adds the
ones that do not exist yet and never overwrites an edited text.
"""

from django.db import migrations

TEMPLATES = [
    {
        "code": "application_submitted",
        "description": "申请提交后发给申请人 / To the applicant when an application is submitted",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "申请已提交",
            "en": "Application submitted",
            "ru": "Заявление подано",
            "ja": "申請を受け付けました",
            "ko": "신청이 접수되었습니다",
        },
        "bodies": {
            "zh-hans": "您的出入境证件申请已提交，申请编号{number}。请按提示缴费；可凭申请编号和身份证号后4位查询办理进度。",
            "en": "Your exit-entry application {number} has been submitted. Please pay the fees as shown. You can track it with the application number and the last 4 characters of your ID number.",
            "ru": "Ваше заявление {number} подано. Оплатите, пожалуйста, сборы, как указано. Следить за ходом можно по номеру заявления и последним 4 символам номера удостоверения личности.",
            "ja": "出入国証件の申請（申請番号{number}）を受け付けました。案内に従って手数料をお支払いください。進捗は申請番号と身分証番号の下4桁で確認できます。",
            "ko": "출입국 서류 신청(신청 번호 {number})이 접수되었습니다. 안내에 따라 수수료를 납부해 주십시오. 진행 상황은 신청 번호와 신분증 번호 끝 4자리로 조회할 수 있습니다.",
        },
    },
    {
        "code": "payment_received",
        "description": "缴费成功后发给申请人 / To the applicant when the fees are paid",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "缴费成功",
            "en": "Payment received",
            "ru": "Оплата получена",
            "ja": "お支払いを確認しました",
            "ko": "결제가 확인되었습니다",
        },
        "bodies": {
            "zh-hans": "我们已收到申请{number}的缴费，申请将进入审核。",
            "en": "We have received the payment for application {number}. It now goes to review.",
            "ru": "Мы получили оплату по заявлению {number}. Теперь оно передано на рассмотрение.",
            "ja": "申請{number}のお支払いを確認しました。申請は審査に進みます。",
            "ko": "신청 {number}의 결제가 확인되었습니다. 이제 심사 단계로 넘어갑니다.",
        },
    },
    {
        "code": "materials_requested",
        "description": "需要补充材料时发给申请人 / To the applicant when more documents are needed",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "请补充材料",
            "en": "More documents needed",
            "ru": "Нужны дополнительные документы",
            "ja": "追加書類のお願い",
            "ko": "추가 서류가 필요합니다",
        },
        "bodies": {
            "zh-hans": "您的申请{number}需要补充材料。请登录查看所需材料并上传，或带到受理窗口提交。",
            "en": "Your application {number} needs more documents. Please sign in to see which ones and upload them, or bring them to a service hall.",
            "ru": "Для заявления {number} нужны дополнительные документы. Войдите в личный кабинет, чтобы узнать, какие именно, и загрузите их или принесите в зал обслуживания.",
            "ja": "申請{number}について、追加の書類が必要です。ログインして必要な書類を確認し、アップロードするか窓口にお持ちください。",
            "ko": "신청 {number}에 추가 서류가 필요합니다. 로그인하여 필요한 서류를 확인하고 올리시거나 민원 창구에 제출해 주십시오.",
        },
    },
    {
        "code": "materials_to_upload",
        "description": "申请需要上传材料时发给申请人 / To the applicant when documents are to be uploaded",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "请上传材料",
            "en": "Documents to upload",
            "ru": "Загрузите документы",
            "ja": "書類のアップロードのお願い",
            "ko": "서류를 올려 주십시오",
        },
        "bodies": {
            "zh-hans": "请为申请{number}上传所需材料。登录后即可查看清单并上传。",
            "en": "Please upload the documents for application {number}. Sign in to see the list and upload them.",
            "ru": "Пожалуйста, загрузите документы для заявления {number}. Войдите в личный кабинет, чтобы увидеть список и загрузить их.",
            "ja": "申請{number}に必要な書類をアップロードしてください。ログインすると一覧を確認してアップロードできます。",
            "ko": "신청 {number}에 필요한 서류를 올려 주십시오. 로그인하면 목록을 확인하고 올릴 수 있습니다.",
        },
    },
    {
        "code": "item_approved",
        "description": "证件审批通过后发给申请人 / To the applicant when an item is approved",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "审批通过",
            "en": "Approved",
            "ru": "Заявление одобрено",
            "ja": "承認されました",
            "ko": "승인되었습니다",
        },
        "bodies": {
            "zh-hans": "您的申请{number}中有一项已审批通过，正在制作证件。",
            "en": "An item in your application {number} has been approved and the document is being made.",
            "ru": "Одна из позиций вашего заявления {number} одобрена, документ изготавливается.",
            "ja": "申請{number}の項目が承認され、証件を作製しています。",
            "ko": "신청 {number}의 항목이 승인되어 서류를 제작하고 있습니다.",
        },
    },
    {
        "code": "item_rejected",
        "description": "证件未获批准时发给申请人 / To the applicant when an item is rejected",
        "placeholders": ["number", "reason"],
        "subjects": {
            "zh-hans": "申请未获批准",
            "en": "Not approved",
            "ru": "В выдаче отказано",
            "ja": "承認されませんでした",
            "ko": "승인되지 않았습니다",
        },
        "bodies": {
            "zh-hans": "很抱歉，您的申请{number}中有一项未获批准，原因：{reason}。该项已缴费用将原路退回。如有疑问请拨打12367。",
            "en": "We are sorry: an item in your application {number} was not approved. Reason: {reason}. The fee paid for it goes back to the account you paid from. Questions: call 12367.",
            "ru": "К сожалению, одна из позиций заявления {number} не одобрена. Причина: {reason}. Уплаченный за неё сбор вернётся тем же способом, которым вы платили. Вопросы: телефон 12367.",
            "ja": "申し訳ありませんが、申請{number}の項目が承認されませんでした。理由：{reason}。その項目の手数料はお支払いと同じ方法で返金されます。お問い合わせは12367まで。",
            "ko": "죄송하지만 신청 {number}의 항목이 승인되지 않았습니다. 사유: {reason}. 해당 수수료는 결제하신 방법으로 환불됩니다. 문의: 12367.",
        },
    },
    {
        "code": "ready_for_pickup",
        "description": "证件可领取时发给申请人 / To the applicant when a document is ready to collect",
        "placeholders": ["number"],
        "subjects": {
            "zh-hans": "证件可以领取",
            "en": "Ready to collect",
            "ru": "Документ готов",
            "ja": "受け取りの準備ができました",
            "ko": "수령할 수 있습니다",
        },
        "bodies": {
            "zh-hans": "您的申请{number}中的证件已制作完成，请携带身份证前往领取，领取地点可登录查看。",
            "en": "A document from your application {number} is ready. Please collect it with your identity card; sign in to see where.",
            "ru": "Документ по заявлению {number} готов. Получите его, взяв с собой удостоверение личности; место получения указано в личном кабинете.",
            "ja": "申請{number}の証件ができあがりました。身分証をお持ちのうえお受け取りください。受け取り場所はログインしてご確認ください。",
            "ko": "신청 {number}의 서류가 준비되었습니다. 신분증을 지참하여 수령해 주십시오. 수령 장소는 로그인하여 확인할 수 있습니다.",
        },
    },
    {
        "code": "dispatched",
        "description": "证件寄出后发给申请人 / To the applicant when a document is posted",
        "placeholders": ["number", "tracking_number"],
        "subjects": {
            "zh-hans": "证件已寄出",
            "en": "Sent to you",
            "ru": "Документ отправлен",
            "ja": "発送しました",
            "ko": "발송되었습니다",
        },
        "bodies": {
            "zh-hans": "您的申请{number}中的证件已寄出，运单号{tracking_number}。",
            "en": "A document from your application {number} has been posted, tracking number {tracking_number}.",
            "ru": "Документ по заявлению {number} отправлен, номер отслеживания {tracking_number}.",
            "ja": "申請{number}の証件を発送しました。追跡番号：{tracking_number}。",
            "ko": "신청 {number}의 서류가 발송되었습니다. 운송장 번호: {tracking_number}.",
        },
    },
    {
        "code": "sla_warning",
        "description": "办理时限用去80%时发给经办民警 / To officers when 80% of the promised time has passed",
        "placeholders": ["number", "promised_date"],
        "subjects": {
            "zh-hans": "办理时限预警",
            "en": "Deadline approaching",
            "ru": "Срок подходит к концу",
            "ja": "処理期限が近づいています",
            "ko": "처리 기한 임박",
        },
        "bodies": {
            "zh-hans": "申请{number}中有一项已用去承诺时限的80%，承诺办结日期为{promised_date}，请尽快处理。",
            "en": "An item in application {number} has used 80% of its promised time and is due by {promised_date}. Please deal with it soon.",
            "ru": "По одной из позиций заявления {number} прошло 80% обещанного срока; срок истекает {promised_date}. Пожалуйста, займитесь ею в ближайшее время.",
            "ja": "申請{number}の項目は約束した処理期間の80%を経過しました。期限は{promised_date}です。早めに対応してください。",
            "ko": "신청 {number}의 항목이 약속 기한의 80%를 넘겼습니다. 기한은 {promised_date}입니다. 신속히 처리해 주십시오.",
        },
    },
    {
        "code": "sla_breached",
        "description": "超过承诺办结日期时发给经办民警 / To officers when the promised date has passed",
        "placeholders": ["number", "promised_date"],
        "subjects": {
            "zh-hans": "办理已超时",
            "en": "Deadline missed",
            "ru": "Срок нарушен",
            "ja": "処理期限を過ぎました",
            "ko": "처리 기한 초과",
        },
        "bodies": {
            "zh-hans": "申请{number}中有一项已超过承诺办结日期{promised_date}，请立即处理并向申请人说明情况。",
            "en": "An item in application {number} has passed its promised date of {promised_date}. Please deal with it now and tell the applicant why.",
            "ru": "По одной из позиций заявления {number} обещанный срок {promised_date} прошёл. Пожалуйста, займитесь ею немедленно и объясните заявителю причину.",
            "ja": "申請{number}の項目は約束した期限{promised_date}を過ぎました。直ちに対応し、申請者に事情を説明してください。",
            "ko": "신청 {number}의 항목이 약속 기한 {promised_date}을 넘겼습니다. 즉시 처리하고 신청인에게 사정을 안내해 주십시오.",
        },
    },
    {
        "code": "appointment_booked",
        "description": "预约成功后发给申请人 / To the applicant when an appointment is booked",
        "placeholders": ["code", "service", "service_point", "date", "time"],
        "subjects": {
            "zh-hans": "预约成功",
            "en": "Appointment booked",
            "ru": "Запись подтверждена",
            "ja": "予約が完了しました",
            "ko": "예약되었습니다",
        },
        "bodies": {
            "zh-hans": "您已预约{date} {time}在{service_point}办理{service}，预约码{code}。请携带身份证提前到达。",
            "en": "You are booked for {service} at {service_point} on {date} at {time}. Your appointment code is {code}. Please bring your identity card and arrive a few minutes early.",
            "ru": "Вы записаны: {service}, {service_point}, {date} в {time}. Код записи: {code}. Возьмите удостоверение личности и приходите на несколько минут раньше.",
            "ja": "{date} {time}、{service_point}での{service}を予約しました。予約コードは{code}です。身分証をお持ちのうえ、少し早めにお越しください。",
            "ko": "{date} {time}에 {service_point}에서 {service} 예약이 완료되었습니다. 예약 코드는 {code}입니다. 신분증을 지참하시고 조금 일찍 도착해 주십시오.",
        },
    },
    {
        "code": "appointment_reminder",
        "description": "预约前一天发给申请人 / To the applicant the day before an appointment",
        "placeholders": ["code", "service", "service_point", "date", "time"],
        "subjects": {
            "zh-hans": "预约提醒",
            "en": "Appointment reminder",
            "ru": "Напоминание о записи",
            "ja": "ご予約のお知らせ",
            "ko": "예약 알림",
        },
        "bodies": {
            "zh-hans": "提醒：您预约了{date} {time}在{service_point}办理{service}（预约码{code}）。如不能前来，请提前取消，把名额留给他人。",
            "en": "Reminder: you are booked for {service} at {service_point} on {date} at {time} (code {code}). If you cannot come, please cancel so that someone else can have the place.",
            "ru": "Напоминаем: вы записаны — {service}, {service_point}, {date} в {time} (код {code}). Если не сможете прийти, отмените запись, чтобы место досталось другому.",
            "ja": "{date} {time}に{service_point}での{service}のご予約（コード{code}）があります。来られない場合は、ほかの方のために予約を取り消してください。",
            "ko": "{date} {time}에 {service_point}에서 {service} 예약(코드 {code})이 있습니다. 오실 수 없으면 다른 분이 이용할 수 있도록 예약을 취소해 주십시오.",
        },
    },
    {
        "code": "turn_near",
        "description": "快轮到时发给取号人 / To a ticket holder when their turn is near",
        "placeholders": ["ticket", "counter", "waiting"],
        "subjects": {
            "zh-hans": "即将叫号",
            "en": "Your turn is near",
            "ru": "Скоро ваша очередь",
            "ja": "まもなく呼び出します",
            "ko": "곧 차례입니다",
        },
        "bodies": {
            "zh-hans": "您的号码{ticket}前面还有{waiting}人，请到{counter}号窗口附近等候。",
            "en": "Ticket {ticket}: {waiting} people are ahead of you. Please wait near counter {counter}.",
            "ru": "Талон {ticket}: перед вами ещё {waiting} чел. Пожалуйста, ожидайте рядом с окном {counter}.",
            "ja": "番号{ticket}の前にあと{waiting}人います。{counter}番窓口の近くでお待ちください。",
            "ko": "번호표 {ticket} 앞에 {waiting}명이 남았습니다. {counter}번 창구 근처에서 기다려 주십시오.",
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
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
