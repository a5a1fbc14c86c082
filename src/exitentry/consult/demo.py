"""Demo data: the help centre's knowledge base and one mobile team per service hall."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from exitentry.consult import services
from exitentry.consult.models import Article, MobileTeam

KNOWLEDGE_BASE = Path(__file__).resolve().parent / "data" / "knowledge_base.json"


def seed_knowledge_base() -> int:
    """Create or refresh the articles in data/knowledge_base.json; returns how many."""
    entries = json.loads(KNOWLEDGE_BASE.read_text(encoding="utf-8"))
    for order, entry in enumerate(entries):
        article = Article.objects.filter(slug=entry["slug"]).first() or Article(slug=entry["slug"])
        article.category = entry["category"]
        article.questions = entry["q"]
        article.answers = entry["a"]
        article.checklist_services = entry["checklist"]
        article.booking_service = entry["booking"]
        article.sort_order = order
        article.is_published = True
        services.save_article(article, actor="seed-demo")
    return len(entries)


def seed_mobile_teams() -> int:
    created = 0
    for point in services.home_visit_points():
        _team, made = MobileTeam.objects.get_or_create(
            code=f"team-{point.code}"[:40],
            defaults={
                "service_point": point,
                "names": {
                    "zh-hans": f"{point.names.get('zh-hans', point.code)}上门服务组",
                    "en": f"{point.names.get('en', point.code)} mobile team",
                    "ru": f"Выездная группа: {point.names.get('ru', point.code)}",
                    "ja": f"{point.names.get('ja', point.code)} 訪問チーム",
                    "ko": f"{point.names.get('ko', point.code)} 방문팀",
                },
                "day_starts": dt.time(9, 0),
                "day_ends": dt.time(17, 0),
            },
        )
        created += int(made)
    return created


def seed_consult() -> str:
    articles = seed_knowledge_base()
    teams = seed_mobile_teams()
    return f"{articles} help articles, {teams} new mobile teams"
