"""布吉消防通道规则（Python 版）: a blocked fire lane is fire safety (14-001), urgent."""

import wit_world
from wit_world.imports import catalog, log, types

BLOCKED = ("堵", "占", "停满", "杂物")


class WitWorld(wit_world.WitWorld):
    def classify(self, event, baseline):
        text = event.description
        if "消防通道" not in text or not any(word in text for word in BLOCKED):
            return None
        item = catalog.get_item("14-001")
        log.write(types.Level.INFO, "python rule: blocked fire lane", [("event", event.id)])
        return types.Classification(
            item_code=item.code,
            confidence=0.9,
            priority=types.Priority.URGENT,
            tags=["消防", "python"],
            reason="Python 规则：消防通道被堵，按消防安全紧急处置",
        )
