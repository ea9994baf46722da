#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generates deploy/demo/catalog.json and learners.json from the training
# programme's feasibility study (shared/seed): six modules plus management
# skills, 108 fifteen-minute micro-courses over three tiers, the dual career
# ladder and three certifications. Deterministic: run it again and diff.
# The JSON files are committed; this script is how they were made.
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))

# (id, name, module, weight). Weights follow the needs survey (2.2.3):
# AIGC content 87%, short video 82%, private domain 79%, SEO/SEM 42%;
# compliance 76% and cross-department work 87% from the managers' survey (2.3.2).
TAGS = [
    ("short_video",    "短视频脚本与运营",   "content",    0.82),
    ("aigc_copy",      "AIGC文案生成",       "content",    0.87),
    ("copywriting",    "营销文案写作",       "content",    0.60),
    ("visual_design",  "视觉与创意设计",     "content",    0.50),
    ("live_commerce",  "直播电商策划",       "content",    0.70),
    ("seo",            "SEO优化",            "traffic",    0.42),
    ("sem",            "SEM竞价",            "traffic",    0.42),
    ("feed_ads",       "信息流广告",         "traffic",    0.65),
    ("ai_bidding",     "AI智能投放",         "traffic",    0.68),
    ("private_domain", "私域社群运营",       "user_ops",   0.79),
    ("membership",     "会员体系",           "user_ops",   0.62),
    ("lifecycle",      "用户生命周期管理",   "user_ops",   0.74),
    ("fission",        "裂变增长",           "user_ops",   0.60),
    ("web_analytics",  "网站分析(Google Analytics)", "data", 0.55),
    ("sql",            "SQL",                "data",       0.57),
    ("python",         "Python数据分析",     "data",       0.50),
    ("user_profile",   "用户画像与标签",     "data",       0.62),
    ("ai_tools",       "AI营销工具",         "emerging",   0.71),
    ("llm_apps",       "大模型应用",         "emerging",   0.66),
    ("metaverse",      "元宇宙营销",         "emerging",   0.35),
    ("ad_law",         "广告法",             "compliance", 0.76),
    ("data_security",  "数据安全法",         "compliance", 0.76),
    ("personal_info",  "个人信息保护",       "compliance", 0.70),
    ("strategy",       "营销战略",           "management", 0.80),
    ("team_mgmt",      "团队管理",           "management", 0.76),
    ("cross_dept",     "跨部门协作",         "management", 0.87),
    ("data_decision",  "数据驱动决策",       "management", 0.82),
    ("risk_control",   "风险管控",           "management", 0.76),
]
TAG_IDS = [t[0] for t in TAGS]

NH, CORE, MGR = "NEW_HIRE", "CORE_STAFF", "MANAGER"
TIER_DIFF = {NH: 0.2, CORE: 0.5, MGR: 0.75}

# (id, title, tier, difficulty offset, prerequisites, {tag: coverage})
COURSES = [
    # ---- content creation (内容创作)
    ("cc-101", "内容创作入门", NH, 0.00, [], {"copywriting": .6, "short_video": .3, "visual_design": .3}),
    ("cc-102", "营销文案写作基础", NH, 0.05, ["cc-101"], {"copywriting": .9, "ad_law": .2}),
    ("cc-103", "短视频脚本基础", NH, 0.05, ["cc-101"], {"short_video": .9, "copywriting": .3}),
    ("cc-104", "短视频拍摄与剪辑实操", NH, 0.10, ["cc-103"], {"short_video": .8, "visual_design": .4}),
    ("cc-105", "视觉设计基础", NH, 0.00, ["cc-101"], {"visual_design": .9}),
    ("cc-106", "AIGC文案工具入门", NH, 0.10, ["cc-102", "et-101"], {"aigc_copy": .8, "ai_tools": .3}),
    ("cc-107", "直播策划入门", NH, 0.10, ["cc-103"], {"live_commerce": .8, "short_video": .2}),
    ("cc-201", "AIGC营销内容生成", CORE, 0.00, ["cc-106"], {"aigc_copy": .9, "llm_apps": .3}),
    ("cc-202", "大模型优化广告文案", CORE, 0.05, ["cc-201", "et-201"], {"aigc_copy": .7, "llm_apps": .5, "copywriting": .3}),
    ("cc-203", "快消品短视频种草策略", CORE, 0.00, ["cc-104"], {"short_video": .9, "user_profile": .2}),
    ("cc-204", "短视频账号矩阵运营", CORE, 0.05, ["cc-203"], {"short_video": .8, "fission": .3}),
    ("cc-205", "直播电商脚本进阶", CORE, 0.05, ["cc-107", "cc-203"], {"live_commerce": .9, "copywriting": .3}),
    ("cc-206", "AIGC视觉素材生成", CORE, 0.05, ["cc-105", "cc-201"], {"visual_design": .7, "aigc_copy": .5}),
    ("cc-301", "内容战略与品牌叙事", MGR, 0.00, ["cc-202", "cc-204"], {"strategy": .6, "copywriting": .4, "short_video": .3}),
    ("cc-302", "内容团队AIGC提效管理", MGR, 0.05, ["cc-202"], {"aigc_copy": .5, "team_mgmt": .5}),
    ("cc-303", "直播电商大促统筹", MGR, 0.10, ["cc-205"], {"live_commerce": .7, "cross_dept": .5}),
    # ---- traffic operations (流量运营)
    ("tr-101", "网络营销工具实操", NH, 0.00, [], {"seo": .4, "sem": .4, "web_analytics": .3}),
    ("tr-102", "SEO基础", NH, 0.05, ["tr-101"], {"seo": .9}),
    ("tr-103", "SEM竞价基础", NH, 0.05, ["tr-101"], {"sem": .9}),
    ("tr-104", "关键词研究与落地页优化", NH, 0.10, ["tr-102"], {"seo": .7, "copywriting": .3}),
    ("tr-105", "信息流广告入门", NH, 0.10, ["tr-101"], {"feed_ads": .9}),
    ("tr-106", "广告账户搭建实操", NH, 0.15, ["tr-103", "tr-105"], {"sem": .5, "feed_ads": .6}),
    ("tr-107", "投放数据看板入门", NH, 0.15, ["tr-106", "da-101"], {"web_analytics": .5, "feed_ads": .3}),
    ("tr-201", "SEM账户精细化优化", CORE, 0.00, ["tr-106"], {"sem": .9, "web_analytics": .3}),
    ("tr-202", "信息流广告创意与定向", CORE, 0.00, ["tr-106"], {"feed_ads": .9, "user_profile": .3}),
    ("tr-203", "AI智能投放实战", CORE, 0.05, ["tr-202", "et-101"], {"ai_bidding": .9, "ai_tools": .3}),
    ("tr-204", "全渠道流量归因", CORE, 0.10, ["tr-201", "da-103"], {"web_analytics": .7, "ai_bidding": .3}),
    ("tr-205", "搜索内容生态SEO", CORE, 0.05, ["tr-104"], {"seo": .8, "aigc_copy": .3}),
    ("tr-206", "投放合规与素材审核", CORE, 0.00, ["tr-202", "lc-101"], {"ad_law": .7, "feed_ads": .3}),
    ("tr-301", "年度流量预算规划", MGR, 0.00, ["tr-204"], {"strategy": .6, "data_decision": .5, "ai_bidding": .3}),
    ("tr-302", "投放团队绩效管理", MGR, 0.05, ["tr-203"], {"team_mgmt": .6, "ai_bidding": .3}),
    ("tr-303", "大促流量作战指挥", MGR, 0.10, ["tr-301"], {"cross_dept": .5, "strategy": .4, "risk_control": .3}),
    # ---- user operations (用户运营)
    ("uo-101", "用户运营基础", NH, 0.00, [], {"lifecycle": .6, "private_domain": .3}),
    ("uo-102", "私域社群搭建入门", NH, 0.05, ["uo-101"], {"private_domain": .9}),
    ("uo-103", "社群内容与活动运营", NH, 0.10, ["uo-102", "cc-102"], {"private_domain": .7, "copywriting": .3}),
    ("uo-104", "会员体系基础", NH, 0.05, ["uo-101"], {"membership": .9}),
    ("uo-105", "用户生命周期入门", NH, 0.05, ["uo-101"], {"lifecycle": .9}),
    ("uo-106", "裂变活动策划入门", NH, 0.10, ["uo-102"], {"fission": .9}),
    ("uo-107", "用户隐私与社群规范", NH, 0.05, ["uo-102", "lc-101"], {"personal_info": .6, "private_domain": .3}),
    ("uo-201", "私域流量裂变", CORE, 0.00, ["uo-106", "uo-103"], {"fission": .8, "private_domain": .6}),
    ("uo-202", "会员成长与积分设计", CORE, 0.05, ["uo-104", "uo-105"], {"membership": .9, "lifecycle": .3}),
    ("uo-203", "从获客到复购的全链路运营", CORE, 0.05, ["uo-105", "uo-201"], {"lifecycle": .9, "private_domain": .3}),
    ("uo-204", "金融产品私域转化路径", CORE, 0.10, ["uo-201", "lc-201"], {"private_domain": .8, "personal_info": .3}),
    ("uo-205", "用户分层与精细化触达", CORE, 0.10, ["uo-203", "da-204"], {"user_profile": .6, "lifecycle": .5}),
    ("uo-206", "社群SOP与自动化工具", CORE, 0.05, ["uo-201", "et-101"], {"private_domain": .7, "ai_tools": .4}),
    ("uo-301", "用户资产战略", MGR, 0.00, ["uo-205"], {"strategy": .5, "lifecycle": .5, "data_decision": .3}),
    ("uo-302", "私域团队建设与考核", MGR, 0.05, ["uo-204", "uo-206"], {"team_mgmt": .6, "private_domain": .4}),
    ("uo-303", "会员体系商业化决策", MGR, 0.10, ["uo-202", "uo-301"], {"membership": .6, "data_decision": .5}),
    # ---- data analysis (数据分析)
    ("da-101", "数据分析基础", NH, 0.00, [], {"web_analytics": .5, "sql": .3, "data_decision": .2}),
    ("da-102", "Google Analytics入门", NH, 0.05, ["da-101"], {"web_analytics": .9}),
    ("da-103", "网站流量与转化漏斗", NH, 0.10, ["da-102"], {"web_analytics": .8, "lifecycle": .2}),
    ("da-104", "SQL入门", NH, 0.05, ["da-101"], {"sql": .9}),
    ("da-105", "SQL多表查询实操", NH, 0.15, ["da-104"], {"sql": .9}),
    ("da-106", "Excel到Python:数据处理入门", NH, 0.10, ["da-101"], {"python": .8}),
    ("da-107", "数据可视化入门", NH, 0.05, ["da-102"], {"web_analytics": .4, "visual_design": .3, "data_decision": .3}),
    ("da-201", "用户行为深度分析", CORE, 0.00, ["da-103", "da-105"], {"web_analytics": .6, "sql": .5, "user_profile": .4}),
    ("da-202", "Python营销数据分析", CORE, 0.05, ["da-106", "da-105"], {"python": .9, "sql": .3}),
    ("da-203", "A/B测试设计与解读", CORE, 0.05, ["da-201"], {"data_decision": .6, "web_analytics": .4}),
    ("da-204", "用户画像与标签体系", CORE, 0.05, ["da-201"], {"user_profile": .9, "sql": .3}),
    ("da-205", "营销ROI分析", CORE, 0.10, ["da-203"], {"data_decision": .7, "python": .3}),
    ("da-206", "Python自动化报表", CORE, 0.10, ["da-202"], {"python": .8, "ai_tools": .3}),
    ("da-301", "数据驱动决策", MGR, 0.00, ["da-205"], {"data_decision": .9, "strategy": .3}),
    ("da-302", "营销数据中台规划", MGR, 0.05, ["da-204", "da-301"], {"data_decision": .6, "data_security": .4, "strategy": .3}),
    ("da-303", "增长模型与预测", MGR, 0.10, ["da-206", "da-301"], {"python": .5, "data_decision": .6}),
    # ---- emerging tech (新兴技术)
    ("et-101", "AI营销工具概览", NH, 0.00, [], {"ai_tools": .9}),
    ("et-102", "提示词工程入门", NH, 0.05, ["et-101"], {"llm_apps": .8, "aigc_copy": .3}),
    ("et-103", "AI陪练:营销话术训练", NH, 0.05, ["et-101"], {"ai_tools": .6, "copywriting": .3}),
    ("et-104", "元宇宙营销基础", NH, 0.05, [], {"metaverse": .9}),
    ("et-105", "虚拟代言人与数字人入门", NH, 0.10, ["et-104"], {"metaverse": .7, "visual_design": .3}),
    ("et-106", "AI工具的数据安全边界", NH, 0.05, ["et-101", "lc-101"], {"data_security": .5, "ai_tools": .4}),
    ("et-107", "AI辅助数据分析入门", NH, 0.10, ["et-102", "da-101"], {"ai_tools": .5, "python": .3, "llm_apps": .3}),
    ("et-201", "大模型营销应用实战", CORE, 0.00, ["et-102"], {"llm_apps": .9, "aigc_copy": .3}),
    ("et-202", "AI营销中台应用", CORE, 0.05, ["et-201", "tr-203"], {"ai_tools": .7, "ai_bidding": .4}),
    ("et-203", "智能客服与对话营销", CORE, 0.05, ["et-201", "uo-102"], {"llm_apps": .6, "private_domain": .4}),
    ("et-204", "数字展厅与元宇宙快闪店", CORE, 0.10, ["et-105"], {"metaverse": .9, "live_commerce": .2}),
    ("et-205", "AIGC内容的版权与合规", CORE, 0.05, ["et-201", "lc-102"], {"ad_law": .5, "aigc_copy": .3, "personal_info": .3}),
    ("et-206", "营销智能体搭建", CORE, 0.15, ["et-202"], {"llm_apps": .8, "ai_tools": .5}),
    ("et-301", "AI营销策略师:AI思维与业务场景", MGR, 0.00, ["et-206"], {"strategy": .5, "llm_apps": .5, "ai_tools": .3}),
    ("et-302", "技术雷达与工具选型", MGR, 0.05, ["et-202"], {"ai_tools": .6, "risk_control": .3, "data_decision": .3}),
    ("et-303", "元宇宙营销项目决策", MGR, 0.10, ["et-204"], {"metaverse": .6, "strategy": .4}),
    # ---- law and compliance (法律法规)
    ("lc-101", "广告法基础", NH, 0.00, [], {"ad_law": .9}),
    ("lc-102", "广告法红线案例库", NH, 0.05, ["lc-101"], {"ad_law": .8, "copywriting": .2}),
    ("lc-103", "数据安全法入门", NH, 0.05, [], {"data_security": .9}),
    ("lc-104", "个人信息保护法入门", NH, 0.05, ["lc-103"], {"personal_info": .9}),
    ("lc-105", "互联网广告管理办法解读", NH, 0.10, ["lc-101"], {"ad_law": .8, "feed_ads": .2}),
    ("lc-106", "直播带货合规要点", NH, 0.10, ["lc-102"], {"ad_law": .6, "live_commerce": .4}),
    ("lc-107", "营销合同与知识产权基础", NH, 0.10, ["lc-101"], {"ad_law": .5, "risk_control": .3}),
    ("lc-201", "营销数据合规实操", CORE, 0.00, ["lc-104"], {"data_security": .7, "personal_info": .6}),
    ("lc-202", "用户授权与隐私政策设计", CORE, 0.05, ["lc-201"], {"personal_info": .9}),
    ("lc-203", "跨境营销数据合规", CORE, 0.10, ["lc-201"], {"data_security": .8}),
    ("lc-204", "广告素材合规审核进阶", CORE, 0.05, ["lc-105"], {"ad_law": .9}),
    ("lc-205", "AI生成内容监管要点", CORE, 0.10, ["lc-204", "et-102"], {"ad_law": .5, "llm_apps": .3, "risk_control": .3}),
    ("lc-206", "舆情与危机公关基础", CORE, 0.05, ["lc-102"], {"risk_control": .7, "copywriting": .2}),
    ("lc-301", "营销合规体系建设", MGR, 0.00, ["lc-203", "lc-204"], {"risk_control": .7, "data_security": .4}),
    ("lc-302", "风险红黄蓝预警机制", MGR, 0.05, ["lc-301"], {"risk_control": .9}),
    ("lc-303", "重大营销事件法律风险决策", MGR, 0.10, ["lc-206", "lc-301"], {"risk_control": .7, "strategy": .3}),
    # ---- management and leadership (管理领导力)
    ("mg-201", "从骨干到组长:角色转变", CORE, 0.10, ["cc-102", "da-101"], {"team_mgmt": .7}),
    ("mg-202", "跨部门沟通与协作", CORE, 0.05, [], {"cross_dept": .9}),
    ("mg-203", "项目管理与复盘", CORE, 0.10, ["mg-202"], {"cross_dept": .5, "team_mgmt": .4, "risk_control": .2}),
    ("mg-204", "导师制:如何带教新人", CORE, 0.10, ["mg-201"], {"team_mgmt": .8}),
    ("mg-301", "营销战略沙盘", MGR, 0.00, ["mg-203", "da-203"], {"strategy": .9, "data_decision": .3}),
    ("mg-302", "跨部门协同管理", MGR, 0.05, ["mg-203"], {"cross_dept": .9, "team_mgmt": .3}),
    ("mg-303", "数据驱动的团队目标管理", MGR, 0.05, ["mg-204", "da-203"], {"team_mgmt": .6, "data_decision": .6}),
    ("mg-304", "人才梯队与继任规划", MGR, 0.10, ["mg-204"], {"team_mgmt": .9}),
    ("mg-305", "营销预算与资源整合", MGR, 0.10, ["mg-301"], {"strategy": .7, "cross_dept": .4}),
    ("mg-306", "战功复盘与团队激励", MGR, 0.10, ["mg-303"], {"team_mgmt": .7, "strategy": .3}),
    ("mg-307", "风险管控与应急决策", MGR, 0.15, ["mg-302", "lc-302"], {"risk_control": .8, "cross_dept": .3}),
    ("mg-308", "营销副总裁:企业战略与营销", MGR, 0.20, ["mg-305", "mg-307"], {"strategy": .9, "cross_dept": .4, "data_decision": .3}),
]

MODULE_OF = {"cc": "content", "tr": "traffic", "uo": "user_ops", "da": "data",
             "et": "emerging", "lc": "compliance", "mg": "management"}

# The six modules of the curriculum (3.1) and the managers' own, with their
# names for people: the cockpit and the course search show these.
MODULES = [
    ("content",    "内容创作", "Content creation"),
    ("traffic",    "流量运营", "Traffic operations"),
    ("user_ops",   "用户运营", "User operations"),
    ("data",       "数据分析", "Data analysis"),
    ("emerging",   "新兴技术", "Emerging tech"),
    ("compliance", "法律合规", "Law and compliance"),
    ("management", "管理领导力", "Management and leadership"),
]

def target_kind(tid):
    return {"pro": "PRO_LADDER", "mgt": "MANAGEMENT_LADDER", "cert": "CERTIFICATION"}[tid.split("-")[0]]

def levels(base, over):
    """A target: `base` on every tag of a group, then per-tag overrides."""
    groups = {m: [t[0] for t in TAGS if t[2] == m] for m in MODULE_OF.values()}
    v = {}
    for group, level in base.items():
        for tag in groups[group]:
            v[tag] = level
    v.update(over)
    return [round(v[t], 2) for t in TAG_IDS]

SIX = ["content", "traffic", "user_ops", "data", "emerging", "compliance"]
def six(x, mg):
    d = {m: x for m in SIX}
    d["management"] = mg
    return d

TARGETS = [
    # Professional ladder (3.2.1): junior needs SEO/SEM basics; intermediate the
    # AIGC + private-domain double certification; senior leads big projects;
    # principal sets department strategy.
    ("pro-1", "初级营销专员", levels(six(.35, .10), {"seo": .5, "sem": .5, "ad_law": .45})),
    ("pro-2", "中级营销专员", levels(six(.50, .20), {"aigc_copy": .7, "private_domain": .7, "short_video": .6, "ad_law": .55})),
    ("pro-3", "高级营销专家", levels(six(.65, .35), {"aigc_copy": .8, "private_domain": .75, "data_decision": .55, "user_profile": .7})),
    ("pro-4", "资深营销顾问", levels(six(.75, .50), {"strategy": .75, "data_decision": .7, "llm_apps": .75})),
    # Management ladder: team lead (5-8 people) -> manager (one business line)
    # -> director (several lines) -> VP (company strategy).
    ("mgt-1", "团队组长", levels(six(.45, .45), {"team_mgmt": .6, "cross_dept": .55})),
    ("mgt-2", "营销经理", levels(six(.55, .60), {"team_mgmt": .7, "data_decision": .65})),
    ("mgt-3", "营销总监", levels(six(.60, .75), {"strategy": .8, "cross_dept": .8, "risk_control": .75})),
    ("mgt-4", "营销副总裁", levels(six(.60, .85), {"strategy": .9, "data_decision": .85})),
    # Certifications (3.2.2): online exam; three benchmark projects; published work.
    ("cert-junior", "初级认证", levels(six(.45, .10), {"ad_law": .55, "data_security": .5})),
    ("cert-senior", "高级认证", levels(six(.65, .30), {"aigc_copy": .75, "private_domain": .75, "ai_bidding": .7})),
    ("cert-expert", "专家认证", levels(six(.80, .50), {"llm_apps": .85, "data_decision": .75})),
]

def catalog():
    tags = [{"id": i, "name": n, "module": m, "weight": w} for i, n, m, w in TAGS]
    courses = []
    for cid, title, tier, doff, pre, cov in COURSES:
        for t in cov:
            assert t in TAG_IDS, (cid, t)
        c = {"id": cid, "title": title, "module": MODULE_OF[cid[:2]], "tier": tier,
             "difficulty": round(TIER_DIFF[tier] + doff, 2), "durationMin": 15,
             "coverage": [cov.get(t, 0) for t in TAG_IDS]}
        if pre:
            c["prerequisites"] = pre
        if tier == MGR:
            c["masteryScore"] = 0.7   # the manager courses are graded harder
        # The LMS's id for the course (Moodle's URL form): xAPI statements
        # about it, or about an activity inside it, count toward this course.
        c["activityIds"] = ["https://lms.example.com/course/view.php?id=%d" % (1001 + len(courses))]
        courses.append(c)
    assert len(courses) == 108, len(courses)
    targets = [{"id": i, "name": n, "level": lv, "kind": target_kind(i)} for i, n, lv in TARGETS]
    profiles = [{"tier": t, "capability": levels(p, {})} for t, p in TIER_PROFILE.items()]
    return {"version": "2025.1-demo", "tags": tags, "courses": courses, "targets": targets,
            "profiles": profiles, "model": MODEL,
            "modules": [{"id": i, "name": n, "nameEn": e} for i, n, e in MODULES]}

# The model's settings, spelled out so a curriculum owner sees what to tune
# (each is also the service's default; README, "The model", says why). The
# half-life is left to its default, 182·ln 2 / −ln 0.6 ≈ 246.96 days: the
# programme's measure, 40% of a training effect lost in six months.
MODEL = {
    "baseline": 0.2,
    "priorEvidence": 0.25,
    "rateFloor": 0.7,
    "lessonGain": 0.3,
    "etaCompleted": 0.15,
    "sessionGain": 0.5,
    "maxSessions": 3,
    "retakeCap": 2,
    "retakeFactor": 0.5,
    "continuity": 0.3,
    "stretch": 0.1,
    "fitWidth": 0.35,
    "fitFloor": 0.25,
    "tierPenalty": 0.6,
    "gapTolerance": 0.01,
    "sequencer": "RULES",
}

# Default profiles per tier: what a new learner of that tier starts from.
TIER_PROFILE = {
    NH: six(.15, .05),
    CORE: six(.40, .20),
    MGR: six(.50, .45),
}

def learners():
    rnd = random.Random(2025)
    t0 = 1735689600          # 2025-01-01, start of the programme
    out = []
    spec = [
        ("nh-001", NH, "pro-2", []),
        ("nh-002", NH, "pro-1", [("tr-101", .8), ("tr-102", .7), ("tr-103", .45)]),
        ("nh-003", NH, "cert-junior", [("lc-101", .9), ("cc-101", .75)]),
        ("cs-001", CORE, "pro-3", [("cc-106", .8), ("uo-102", .9), ("uo-106", .55)]),
        ("cs-002", CORE, "mgt-1", [("mg-202", .85), ("da-104", .7), ("da-105", .65)]),
        ("cs-003", CORE, "cert-senior", [("et-101", .9), ("et-102", .8), ("tr-202", .75)]),
        ("mg-001", MGR, "mgt-3", [("mg-301", .8), ("mg-302", .75), ("da-301", .72)]),
        ("mg-002", MGR, "pro-4", [("et-206", .65), ("da-205", .8)]),
        ("mg-003", MGR, "mgt-4", [("mg-305", .9), ("lc-302", .6)]),
    ]
    course = {c[0]: c for c in COURSES}
    for lid, tier, target, attempts in spec:
        base = levels(TIER_PROFILE[tier], {})
        cap = [round(min(1, max(0, b + rnd.uniform(-.08, .12))), 2) for b in base]
        practiced = [0] * len(TAG_IDS)
        atts = []
        at = t0 + rnd.randrange(0, 30) * 86400
        for cid, score in attempts:
            at += rnd.randrange(2, 20) * 86400
            mastery = 0.7 if course[cid][2] == MGR else 0.6
            atts.append({"courseId": cid, "score": score, "passed": score >= mastery, "at": str(at)})
            for tag, a in course[cid][5].items():
                k = TAG_IDS.index(tag)
                cap[k] = round(min(1, cap[k] + 0.5 * a * (score - cap[k])) if score > cap[k] else cap[k], 2)
                practiced[k] = at
        l = {"id": lid, "tier": tier, "targetId": target, "capability": cap}
        if any(practiced):
            l["practicedAt"] = [str(p) for p in practiced]
        if atts:
            l["attempts"] = atts
        out.append(l)
    return {"learners": out}

def dump(obj, name):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")

if __name__ == "__main__":
    dump(catalog(), "catalog.json")
    dump(learners(), "learners.json")
