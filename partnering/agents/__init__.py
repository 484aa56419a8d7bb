"""Mesa agents and their decisions: councils, large suppliers, SMEs and community groups."""

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.agents.provider import SME, LargeSupplier, Provider, Supplier

__all__ = ["SME", "CommunityGroup", "Council", "LargeSupplier", "Provider", "Supplier"]
