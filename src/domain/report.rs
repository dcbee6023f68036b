//! 工作报告 — the project paragraph of the county work report (DESIGN §1, §6.3), written
//! from the figures in the report's own style: amounts in 万元 with 2 decimals, rates with
//! their %, sectors with nothing planned left out.
use super::metrics::{ConstructionFigures, MoneyFigures};
use super::money::Money;
use super::quantity::Quantity;
use super::sector::Sector;
use rust_decimal::Decimal;

/// What the paragraph is written from.
#[derive(Clone, Debug, Default)]
pub struct ReportFigures {
    /// 整合涉农资金
    pub integrated: MoneyFigures,
    /// 县本级配套资金
    pub county_matching: MoneyFigures,
    /// 政策性金融贷款
    pub policy_loan: MoneyFigures,
    /// All sectors together.
    pub programme: ConstructionFigures,
    /// Per sector, in the order of `Sector::ALL`.
    pub sectors: Vec<(Sector, ConstructionFigures)>,
    /// The month the figures stand at the end of (截止M月底).
    pub month: u32,
}

/// An amount in 万元 with 2 decimals, rounded half up on exact integers.
pub fn wan_yuan(money: Money) -> String {
    // 1 万元 = 10,000 yuan = 1,000,000 fen; two decimals of 万元 are units of 10,000 fen.
    let fen = i128::from(money.fen());
    let negative = fen < 0;
    let units = (fen.abs() + 5_000) / 10_000;
    let text = format!("{}.{:02}", units / 100, units % 100);
    if negative && units != 0 {
        format!("-{text}")
    } else {
        text
    }
}

fn percent(rate: Option<Decimal>) -> String {
    match rate {
        Some(r) => format!("{r}%"),
        None => "—".to_string(),
    }
}

fn quantity(q: Option<Quantity>) -> String {
    q.map_or_else(|| "—".to_string(), |q| q.to_decimal().to_string())
}

/// One sector's sentence, or `None` when the sector has nothing planned.
fn sector_sentence(sector: Sector, f: &ConstructionFigures) -> Option<String> {
    let planned = f.target_quantity.is_some_and(|t| t.milli() > 0) || f.project_count > 0;
    if !planned {
        return None;
    }
    let target = quantity(f.target_quantity);
    let done = f.completed_quantity.to_decimal().to_string();
    let all_done = f.project_count > 0 && f.completed_count == f.project_count;
    Some(match sector {
        Sector::Road => format!(
            "道路计划建设{target}公里,完工{done}公里,完成率{}",
            percent(f.quantity_rate())
        ),
        Sector::DrinkingWater => format!(
            "人饮工程计划建设{target}处,竣工{done}处,竣工率{}",
            percent(f.quantity_rate())
        ),
        Sector::Clinic => format!("标准化卫生室计划建设{target}个,竣工{done}个"),
        Sector::PowerGrid => format!(
            "农网改造计划{}条{target}公里,完工率{}",
            f.project_count,
            percent(f.quantity_rate())
        ),
        Sector::Education if all_done => format!("{}个教育基础设施项目主体全部完工", f.project_count),
        Sector::Education => format!("{}个教育基础设施项目,主体完工{}个", f.project_count, f.completed_count),
        Sector::Telecom if all_done => format!("{}个通讯网络项目已全部竣工投运", f.project_count),
        Sector::Telecom => format!("{}个通讯网络项目,已竣工投运{}个", f.project_count, f.completed_count),
        Sector::Industry => format!("产业项目计划实施{}个,竣工{}个", f.project_count, f.completed_count),
        Sector::Housing => format!(
            "危房改造和易地搬迁计划{target}户,完成{done}户,完成率{}",
            percent(f.quantity_rate())
        ),
        Sector::Other => format!("其他项目{}个,竣工{}个", f.project_count, f.completed_count),
    })
}

/// The paragraph.
pub fn narrative(figures: &ReportFigures) -> String {
    let money = |m: &MoneyFigures| wan_yuan(m.in_place.unwrap_or(Money::ZERO));
    let mut text = format!(
        "整合涉农资金{}万元、占年计划{},落实县本级配套资金{}万元、占年计划{},争取到位政策性金融贷款资金{}万元、占年计划{},规划实施扶贫项目{}个,开工率{}。",
        money(&figures.integrated),
        percent(figures.integrated.arrival_rate()),
        money(&figures.county_matching),
        percent(figures.county_matching.arrival_rate()),
        money(&figures.policy_loan),
        percent(figures.policy_loan.arrival_rate()),
        figures.programme.project_count,
        percent(figures.programme.start_rate()),
    );
    let sentences: Vec<String> = figures
        .sectors
        .iter()
        .filter_map(|(s, f)| sector_sentence(*s, f))
        .collect();
    if !sentences.is_empty() {
        text.push_str(&format!("截止{}月底,{}。", figures.month, sentences.join(";")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_yuan_has_two_decimals_rounded_half_up() {
        assert_eq!(wan_yuan(Money::from_fen(12_345_678)), "12.35");
        assert_eq!(wan_yuan(Money::from_fen(12_344_999)), "12.34");
        assert_eq!(wan_yuan(Money::from_fen(1_234_560_000)), "1234.56");
        assert_eq!(wan_yuan(Money::ZERO), "0.00");
    }

    #[test]
    fn the_paragraph_reads_like_the_report() {
        let q = |milli| Some(Quantity::from_milli(milli));
        let road = ConstructionFigures {
            target_quantity: q(45_500),
            completed_quantity: Quantity::from_milli(45_500),
            project_count: 4,
            started_count: 4,
            completed_count: 4,
            ..Default::default()
        };
        let telecom = ConstructionFigures {
            target_quantity: q(3_000),
            project_count: 3,
            started_count: 3,
            completed_count: 3,
            completed_quantity: Quantity::from_milli(3_000),
            ..Default::default()
        };
        let figures = ReportFigures {
            integrated: MoneyFigures {
                planned: Some(Money::from_fen(100_000_000)),
                in_place: Some(Money::from_fen(87_345_000)),
                ..Default::default()
            },
            county_matching: MoneyFigures {
                planned: Some(Money::from_fen(30_000_000)),
                in_place: Some(Money::from_fen(30_000_000)),
                ..Default::default()
            },
            policy_loan: MoneyFigures {
                planned: Some(Money::ZERO),
                in_place: Some(Money::ZERO),
                ..Default::default()
            },
            programme: ConstructionFigures {
                project_count: 8,
                started_count: 7,
                ..Default::default()
            },
            sectors: vec![
                (Sector::Road, road),
                (Sector::Clinic, ConstructionFigures::default()),
                (Sector::Telecom, telecom),
            ],
            month: 9,
        };
        assert_eq!(
            narrative(&figures),
            "整合涉农资金87.35万元、占年计划87.35%,落实县本级配套资金30.00万元、占年计划100.00%,争取到位政策性金融贷款资金0.00万元、占年计划—,规划实施扶贫项目8个,开工率87.50%。截止9月底,道路计划建设45.5公里,完工45.5公里,完成率100.00%;3个通讯网络项目已全部竣工投运。"
        );
    }
}
