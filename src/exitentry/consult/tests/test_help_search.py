from __future__ import annotations

import pytest

from exitentry.consult.models import SearchTerm
from exitentry.consult.tests import factories as cf

PASSPORT_Q = {
    "zh-hans": "办理普通护照要交多少钱？",
    "en": "How much does an ordinary passport cost?",
    "ru": "Сколько стоит заграничный паспорт?",
    "ja": "一般旅券の手数料はいくらですか？",
    "ko": "일반 여권 발급 수수료는 얼마입니까?",
}
PASSPORT_A = {
    "zh-hans": "普通护照收费为每本120元。",
    "en": "An ordinary passport costs 120 CNY.",
    "ru": "Заграничный паспорт стоит 120 юаней.",
    "ja": "一般旅券の手数料は120元です。",
    "ko": "일반 여권 수수료는 120위안입니다.",
}
TRANSIT_Q = {
    "zh-hans": "什么是240小时过境免签？",
    "en": "What is 240-hour visa-free transit?",
    "ru": "Что такое безвизовый транзит на 240 часов?",
    "ja": "240時間トランジットビザ免除とは何ですか？",
    "ko": "240시간 무비자 환승이란 무엇입니까?",
}
TRANSIT_A = {
    "zh-hans": "适用国家公民持联程客票可停留240小时。",
    "en": "Nationals of eligible countries with an onward ticket may stay 240 hours.",
    "ru": "Граждане стран из списка с билетом в третью страну могут находиться 240 часов.",
    "ja": "対象国の国民は第三国行きの航空券があれば240時間滞在できます。",
    "ko": "대상 국가 국민은 제3국 항공권이 있으면 240시간 머물 수 있습니다.",
}


@pytest.fixture
def articles():
    passport = cf.article(
        "passport-fee",
        PASSPORT_Q,
        PASSPORT_A,
        checklist_services=["passport.first_issue"],
        booking_service="passport.first_issue",
    )
    transit = cf.article("transit-240h", TRANSIT_Q, TRANSIT_A, category="foreigners")
    return passport, transit


def _slugs(response):
    assert response.status_code == 200, response.content
    return [hit["slug"] for hit in response.json()["results"]]


def test_chinese_without_spaces_finds_the_passport_fee_by_character_pairs(api, articles):
    assert _slugs(api.get("/consult/articles/search", {"q": "护照收费", "lang": "zh-hans"})) == [
        "passport-fee"
    ]


def test_japanese_finds_the_transit_answer(api, articles):
    response = api.get("/consult/articles/search", {"q": "トランジット", "lang": "ja"})

    assert _slugs(response) == ["transit-240h"]
    assert response.json()["results"][0]["question"] == TRANSIT_Q["ja"]


def test_russian_words_match_case_folded_and_inflected(api, articles):
    response = api.get("/consult/articles/search", {"q": "БЕЗВИЗОВОГО транзита", "lang": "ru"})

    assert _slugs(response) == ["transit-240h"]
    assert response.json()["results"][0]["answer"] == TRANSIT_A["ru"]


def test_korean_word_with_a_particle_still_matches(api, articles):
    assert _slugs(api.get("/consult/articles/search", {"q": "여권을", "lang": "ko"})) == ["passport-fee"]


def test_results_are_ranked_by_how_much_of_the_query_matches(api, articles):
    slugs = _slugs(api.get("/consult/articles/search", {"q": "passport cost transit", "lang": "en"}))

    assert slugs == ["passport-fee", "transit-240h"]


def test_answer_carries_checklist_and_booking_links(api, articles):
    hit = api.get("/consult/articles/search", {"q": "passport", "lang": "en"}).json()["results"][0]

    assert hit["checklist_url"] == "/services/checklist/?services=passport.first_issue"
    assert hit["booking_url"] == "/appointments/book/?service=passport.first_issue"


@pytest.mark.parametrize("query", ["", "   ", "!!! ??? ###", "\x00\x01\x02", "'; DROP TABLE x; --", "%_%"])
def test_empty_or_symbol_queries_find_nothing_without_error(api, articles, query):
    response = api.get("/consult/articles/search", {"q": query, "lang": "en"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_very_long_query_is_cut_and_still_answers(api, articles):
    response = api.get("/consult/articles/search", {"q": "passport " * 2000, "lang": "en"})

    assert response.status_code == 200
    body = response.json()
    assert body["truncated"] is True
    assert len(body["query"]) == 200
    assert [hit["slug"] for hit in body["results"]] == ["passport-fee"]


def test_unpublished_articles_are_not_found(api, articles):
    passport, _transit = articles
    passport.is_published = False
    cf.services.save_article(passport, actor="test")

    assert _slugs(api.get("/consult/articles/search", {"q": "passport", "lang": "en"})) == []


def test_editing_an_article_rewrites_its_search_terms(api, articles):
    passport, _transit = articles
    passport.answers = {**PASSPORT_A, "en": "Bring your household register."}
    cf.services.save_article(passport, actor="test")

    assert _slugs(api.get("/consult/articles/search", {"q": "household", "lang": "en"})) == ["passport-fee"]
    assert not SearchTerm.objects.filter(article=passport, language="en", term="cny").exists()


def test_saving_without_all_five_languages_is_refused(articles):
    with pytest.raises(cf.services.TranslationsMissing) as raised:
        cf.article("half", {"en": "Question?"}, {"en": "Answer."})

    assert raised.value.details == {"languages": ["ja", "ko", "ru", "zh-hans"]}


def test_missing_translation_report_lists_drafts_saved_in_the_admin(client, articles):
    from exitentry.accounts.models import Role
    from exitentry.accounts.tests.factories import PASSWORD
    from exitentry.applications.tests import factories as f
    from exitentry.consult.models import Article

    cf.services.save_article(
        Article(slug="draft", category="fees", questions={"en": "Q?"}, answers={"en": "A.", "ru": "О."}),
        actor="test",
        require_all_languages=False,
    )
    manager = f.staff(Role.MANAGER)
    client.login(username=manager.username, password=PASSWORD)

    response = client.get("/help/missing-translations/")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.article.slug, r.questions, r.answers) for r in rows] == [
        ("draft", ["zh-hans", "ru", "ja", "ko"], ["zh-hans", "ja", "ko"])
    ]


def test_help_page_searches_in_the_visitors_language(client, articles):
    response = client.get("/help/", {"q": "транзит"}, HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 200
    assert [card["question"] for card in response.context["hits"]] == [TRANSIT_Q["ru"]]


def test_knowledge_base_seed_is_complete_in_five_languages():
    from exitentry.consult.demo import seed_knowledge_base

    assert seed_knowledge_base() >= 25
    assert cf.services.missing_translations() == []
    assert seed_knowledge_base() >= 25  # idempotent
