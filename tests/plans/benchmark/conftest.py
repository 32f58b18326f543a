"""A tiny corpus folder written by the tests themselves (never /work/shared)."""

import pytest

TEXTS = {
    "湖北省2017年政府工作报告.txt": (
        "湖北省2017年政府工作报告\n各位代表：\n一、过去一年工作回顾\n推进科技成果转化，高新技术企业增长。\n"
        "二&、今年工作安排\n发展科技金融，建设孵化器和众创空间。\n谢谢大家。"
    ),
    "湖北省2018年政府工作报告.txt": (
        "湖北省2018年政府工作报告\n各位代表：\n一、过去一年工作回顾\n创新型省份建设取得进展。\n"
        "二、今年工作安排\n减税降费，税收稳定增长。\n谢谢大家。"
    ),
    "江西省2017年政府工作报告.txt": (
        "江西省2017年政府工作报告\n各位代表：\n一、过去一年工作回顾\n生态旅游蓬勃发展，创新驱动。\n"
        "二、今年工作安排\n推进乡村振兴和数字经济。\n谢谢大家。"
    ),
    "国务院2019年政府工作报告.txt": (
        "国务院2019年政府工作报告\n各位代表：\n一、2018年工作回顾\n一带一路建设扎实推进。\n"
        "二、2019年政府工作任务\n培育发展新动能，支持5G和人工智能、集成电路。\n谢谢大家。"
    ),
}


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "txt").mkdir(parents=True)
    rows = ["file\tregion\tyear\ttitle\tchars\tsource_path"]
    for name, text in TEXTS.items():
        (folder / "txt" / name).write_text(text, encoding="utf-8")
        region = name[:3] if not name.startswith("国务院") else "国务院"
        year = name.split("年")[0][-4:]
        rows.append(f"txt/{name}\t{region}\t{year}\t{name[:-4]}\t{len(text)}\ttest")
    (folder / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder
