"""Mesa agents and their decisions: councils, large suppliers, SMEs and community groups.

Each method of an agent is a decision it makes (a council chooses its delivery mode, its
monitoring and its contract terms; a supplier whether to bid, its price, its effort and its
margin; a group whether to join a steering group or a consortium), taken with the pure rules of
:mod:`partnering.rules`.
"""

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council, Leader
from partnering.agents.supplier import SME, LargeSupplier, Provider, Supplier

__all__ = ["SME", "CommunityGroup", "Council", "LargeSupplier", "Leader", "Provider", "Supplier"]
