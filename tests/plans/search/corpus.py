"""A generated corpus for recall tests: plans built from random sections of real-looking policy sentences."""

import random

SENTENCES = [
    "全面贯彻党的二十大精神，深入实施创新驱动发展战略，加快建设创新型省份。",
    "着力加快科技成果转化，完善技术转移体系，培育一批高水平技术转移机构。",
    "支持高新技术企业和科技型中小企业加大研发投入，落实研发费用加计扣除政策。",
    "建设一批众创空间和科技企业孵化器，营造大众创业、万众创新的良好氛围。",
    "深化放管服改革，优化营商环境，推动双创向纵深发展。",
    "培育专精特新“小巨人”企业，提升产业链供应链现代化水平。",
    "健全科技金融服务体系，扩大创业投资引导基金规模，发展科技保险。",
    "推进县域创新驱动发展，支持创新型县（市、区）建设。",
    "落实税收优惠政策，减轻企业税负，激发市场主体活力。",
    "加快5G网络、工业互联网、数据中心等新型基础设施建设。",
    "力争全社会R&D经费支出占GDP比重达到2.5%，科技进步贡献率提高到60%。",
    "实施人工智能、大数据、区块链等数字经济重点工程。",
    "建设重点实验室、技术创新中心和新型研发机构，提升原始创新能力。",
    "推动长江经济带高质量发展，深度融入粤港澳大湾区建设。",
    "实施乡村振兴战略，加强农业科技特派员队伍建设。",
    "强化知识产权保护，开展知识产权质押融资试点工作。",
    "推进碳达峰碳中和，发展新能源汽车和新材料产业。",
    "2025年全省高新技术产业增加值增长10%以上。",
    "完善科研诚信体系，推行揭榜挂帅等项目组织方式。",
    "加强产学研合作，促进创新链产业链资金链人才链深度融合。",
    "引进培育高层次科技人才，建设院士工作站和博士后工作站。",
    "推进生物医药、集成电路等战略性新兴产业集群发展。",
    "优化科技计划管理，开展科技评价改革试点，赋予科研人员更大自主权。",
    "加快国家自主创新示范区和高新区建设，打造区域创新高地。",
]
HEADINGS = [
    "一、总体要求",
    "二、重点任务",
    "三、保障措施",
    "（一）科技创新",
    "（二）产业发展",
    "四、组织实施",
]
REGIONS = ["湖北", "江西", "北京", "广东", "四川"]
THEMES = ["科技金融", "科技成果转化", "创新平台与载体"]
LEVELS = ["provincial", "municipal", "national"]


def generate(count: int = 300, seed: int = 20240601) -> list[dict]:
    """Plan fields for make_plans: sections of 2-5 random sentences, random metadata; fixed seed."""
    rng = random.Random(seed)
    plans = []
    for n in range(count):
        sections = []
        for heading in rng.sample(HEADINGS, rng.randint(1, 3)):
            sections.append((heading, "".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 5)))))
        year = rng.randint(2016, 2025)
        plans.append(
            dict(
                title=f"{year}年{rng.choice(REGIONS)}科技工作要点{n}",
                sections=sections,
                region=rng.choice(REGIONS),
                year=year,
                level=rng.choice(LEVELS),
                themes=rng.sample(THEMES, rng.randint(0, 2)),
            )
        )
    return plans
