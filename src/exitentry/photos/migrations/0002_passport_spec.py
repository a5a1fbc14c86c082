"""The passport photo spec a fresh deployment starts with (editable in the admin).

33 × 48 mm at 300 dpi is 354 × 472 px; the head (crown to chin) is 28–33 mm of the 48 mm. The
checker's thresholds were set on the labelled evaluation set (`exitentry photo-eval`).
"""

import datetime

from django.db import migrations

NAMES = {
    "zh-hans": "护照及出入境证件照片",
    "en": "Passport and travel document photo",
    "ru": "Фото для паспорта и проездных документов",
    "ja": "旅券・出入境証件用写真",
    "ko": "여권 및 출입국 증명서 사진",
}


def add_spec(apps, schema_editor):
    PhotoSpec = apps.get_model("photos", "PhotoSpec")
    if PhotoSpec.objects.filter(code="passport").exists():
        return
    PhotoSpec.objects.create(
        code="passport",
        names=NAMES,
        effective_from=datetime.date(2020, 1, 1),
        output_width_px=354,
        output_height_px=472,
        head_height_min_ratio=0.58,
        head_height_max_ratio=0.69,
        head_top_margin_ratio=0.07,
        frame_head_min_ratio=0.35,
        frame_head_max_ratio=0.8,
        max_centre_offset_ratio=0.1,
        eye_line_min_ratio=0.2,
        eye_line_max_ratio=0.55,
        max_eye_tilt_ratio=0.12,
        background_min_brightness=160,
        background_max_stddev=20,
        face_min_brightness=80,
        max_lighting_imbalance=0.18,
        min_sharpness=50,
        max_clipped_share=0.05,
        acceptance_threshold=0.7,
    )


class Migration(migrations.Migration):
    dependencies = [("photos", "0001_initial")]

    operations = [migrations.RunPython(add_spec, migrations.RunPython.noop)]
