"""Legal bases cited by rules and parameters (RULES.md). Each has a Chinese and an English citation."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Basis:
    code: str
    document: str       # the document's Chinese title, as cited
    article: str        # where in it, in Chinese
    summary: object     # lazy translatable summary, English msgid

    def as_dict(self) -> dict:
        return {"code": self.code, "document": self.document, "article": self.article, "summary": str(self.summary)}


def _b(code, document, article, summary) -> Basis:
    return Basis(code, document, article, summary)


INTERIM_MEASURES = "《社会救助暂行办法》(国务院令第649号, 2014)"
DIBAO_MEASURES = "《最低生活保障审核确认办法》(民发〔2021〕57号)"
EXTREME_MEASURES = "《特困人员认定办法》(民发〔2021〕43号)"
MONITORING_OPINION = "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》(2023)"
RIGID_MEASURES = "《刚性支出困难家庭认定办法》(2024)"
LOCAL = "地方救助标准文件"

BASES = {b.code: b for b in [
    _b("household_members", DIBAO_MEASURES, "第八条、第九条",
       _("The household is the members living together; clergy, prisoners, people in compulsory drug "
         "rehabilitation and people declared missing are not counted.")),
    _b("household_income", DIBAO_MEASURES, "第十条、第十一条",
       _("Income is wages, net business, property and transfer income after tax and personal social "
         "insurance; listed kinds of income are not counted.")),
    _b("household_assets", DIBAO_MEASURES, "第十二条、第十三条",
       _("Household assets must be within the local limits on financial assets, dwellings, vehicles and "
         "businesses.")),
    _b("dibao_eligibility", INTERIM_MEASURES, "第九条",
       _("A household whose per-capita income is below the local dibao standard and whose assets meet the "
         "local rules receives dibao.")),
    _b("dibao_amount", DIBAO_MEASURES, "第二十条",
       _("Dibao is the difference between the standard and the per-capita income for each covered person, "
         "or fixed bands where the region uses them.")),
    _b("dibao_addon", MONITORING_OPINION, "二(二)",
       _("Key members (elderly, minors, students, severely disabled, seriously ill) may receive a classified "
         "add-on.")),
    _b("dibao_individual", MONITORING_OPINION, "二(三)",
       _("In a dibao-marginal household, a member with a grade 1–2 disability, a grade 3 intellectual or "
         "mental disability, or a serious illness may be covered by dibao alone.")),
    _b("extreme_poverty_conditions", EXTREME_MEASURES, "第二条至第四条",
       _("Old, disabled or minor persons with no labour capacity, no means of living, and no legal supporter "
         "able to support them are persons in extreme poverty.")),
    _b("extreme_poverty_labour", EXTREME_MEASURES, "第五条",
       _("No labour capacity: aged 60 or over, under the minor age, or with an intellectual or mental "
         "disability of grade 1–3, physical grade 1–2 or visual grade 1.")),
    _b("extreme_poverty_means", EXTREME_MEASURES, "第六条",
       _("No means of living: income below the local dibao standard and assets within the local limits.")),
    _b("extreme_poverty_supporter", EXTREME_MEASURES, "第七条",
       _("A legal supporter cannot support if the supporter is in extreme poverty, a dibao recipient aged "
         "60+, aged 70+ or severely disabled with low income and assets, without civil capacity, missing or "
         "in prison.")),
    _b("extreme_poverty_orphan", EXTREME_MEASURES, "第十条",
       _("A minor who receives the orphan or unsupported-child allowance is not also covered as a person in "
         "extreme poverty; coverage continues past 18 while in school.")),
    _b("extreme_poverty_standard", INTERIM_MEASURES, "第十四条",
       _("The basic-living standard of persons in extreme poverty is set locally (at least 1.3 times the "
         "dibao standard in most regions), plus a care standard by self-care ability.")),
    _b("dibao_marginal", MONITORING_OPINION, "二(一)",
       _("A household that is not dibao or extreme poverty, with per-capita income below the marginal "
         "multiple of the dibao standard and assets within limits, is a dibao-marginal household.")),
    _b("rigid_expense", RIGID_MEASURES, "第二条至第五条",
       _("A household not otherwise covered, with per-capita income below last year's local per-capita "
         "disposable income and rigid expenditure above the local share of its income, is a "
         "rigid-expenditure hardship household.")),
    _b("temporary", INTERIM_MEASURES, "第四十七条至第五十条",
       _("Temporary assistance helps households in sudden distress or with unbearable necessary expenses, "
         "in amounts set locally as multiples of the dibao standard.")),
    _b("procedure", DIBAO_MEASURES, "申请受理、审核确认",
       _("Applications are accepted at any township window; the household's economy is verified, a home "
         "survey is made by two surveyors, the township's opinion is publicly noticed for 7 days, and the "
         "county decides within 10 working days; the whole procedure takes at most 30 working days, 45 when "
         "extended; a refusal is notified in writing with reasons.")),
    _b("monitoring", MONITORING_OPINION, "三",
       _("Department data on medical costs, disability, deaths, employment, assets, schooling and disasters are "
         "compared with the low-income population; warnings are verified on site and lead to assistance "
         "(policies find people).")),
    _b("dibao_review", DIBAO_MEASURES, "动态管理",
       _("Dibao households are reviewed periodically: those whose members are all elderly, severely disabled "
         "or seriously ill less often, those with members able to work more often; the region sets the "
         "intervals.")),
    _b("local_standard", LOCAL, "",
       _("The amount is set by the local government and published.")),
]}
