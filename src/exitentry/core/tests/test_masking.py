from exitentry.core.masking import mask_id_number, mask_name, mask_phone


def test_id_number_keeps_region_prefix_and_last_four():
    assert mask_id_number("11010119900307002X") == "1101**********002X"


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_names_keep_first_character():
    assert mask_name("张三丰") == "张**"
    assert mask_name("Anna Smith") == "A*** S****"


def test_short_or_empty_values_are_fully_masked():
    assert mask_id_number("1234") == "****"
    assert mask_id_number(None) == ""
