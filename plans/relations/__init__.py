"""How plans relate: year-over-year diffs, the documents a plan cites, and passages reused across regions.

Kept free of imports so that plans.models can load plans.relations.models while it is being defined.

    plans.relations.diff.diff_plans(a, b) -> PlanDiff          sections aligned by heading, sentence ops
    plans.relations.services.update_plan_relations(plan=...)   citations and passages of one saved plan
    plans.relations.services.rebuild_relations()               every plan again (manage.py rebuild_relations)
    plans.relations.selectors                                  what the pages read (cites, cited_by, reuse, …)

Writes happen only in services, called from plans.services' write functions (never from signals or views).
"""
