from ninja import Schema


class ReadyOut(Schema):
    status: str
    database: str
    cache: str
    tasks: str
