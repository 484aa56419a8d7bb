"""The quarterly schedule of MODEL.md section 3, one module per phase.

Each phase is a function of the model, called in order by :meth:`PartneringModel.step`; the
first quarter's delivery at construction (step 0) reuses the same functions.

1. :mod:`~partnering.model.phases.environment`: demand, shocks, budgets
2. :mod:`~partnering.model.phases.delivery`: effort, payment, books, beliefs; in-house delivery
3. :mod:`~partnering.model.phases.community`: steering groups, volunteers, public trust
4. :mod:`~partnering.model.phases.finance`: overheads, insolvency, failures and stop-gaps
5. :mod:`~partnering.model.phases.reviews`: break clauses, expiries, make-or-buy, tenders, grants
6. :mod:`~partnering.model.phases.learning`: margins, skills, memories, intentions, reputation
7. :mod:`~partnering.model.phases.market`: entry, exit, accreditation
8. :mod:`~partnering.model.phases.observation`: the data collector and the optional tables
"""
