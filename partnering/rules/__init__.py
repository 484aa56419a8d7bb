"""The mechanisms as small pure functions of plain values and arrays, one module each, and the
records they act on.

- :mod:`~partnering.rules.procurement`: lots, cost estimates, bid decision, price, score, debrief
- :mod:`~partnering.rules.delivery`: effort, detection, quality, volume, payment; in-house delivery
- :mod:`~partnering.rules.trust`: every trust update, fair treatment, reputation, public trust
- :mod:`~partnering.rules.finance`: overheads, credit, insolvency, the stop-gap premium
- :mod:`~partnering.rules.make_or_buy`: the four circumstances, every mode utility, intentions
- :mod:`~partnering.rules.market`: entry and exit
- :mod:`~partnering.rules.learning`: commercial capability, in-house capacity, joint learning
- :mod:`~partnering.rules.community`: volunteers, steering groups, consortia and grants
- :mod:`~partnering.rules.social_value`: social value offered and generated
- :mod:`~partnering.rules.records`: service slots, lots, contracts, tenders, the quarter's flows

No Mesa and no agents here: each rule takes numbers (or numpy arrays) and the declared
parameters of its mechanism, and is unit tested with values worked out by hand.
"""
