//! 行业 — the sectors of construction work and the unit each measures quantity in (DESIGN §2.3).
use std::str::FromStr;

/// 行业 — the kind of construction a project is, which fixes its unit of quantity.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sector {
    /// 道路 (公里)
    Road,
    /// 人饮工程 (处)
    DrinkingWater,
    /// 标准化卫生室 (个)
    Clinic,
    /// 农网改造 (公里; 条 for the count of lines)
    PowerGrid,
    /// 教育基础设施 (个)
    Education,
    /// 通讯网络 (个)
    Telecom,
    /// 产业 (个)
    Industry,
    /// 危房改造/易地搬迁 (户)
    Housing,
    /// 其他 (个)
    Other,
}

impl Sector {
    pub const ALL: [Sector; 9] = [
        Sector::Road,
        Sector::DrinkingWater,
        Sector::Clinic,
        Sector::PowerGrid,
        Sector::Education,
        Sector::Telecom,
        Sector::Industry,
        Sector::Housing,
        Sector::Other,
    ];

    /// The stored and API name, e.g. `DRINKING_WATER`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Road => "ROAD",
            Sector::DrinkingWater => "DRINKING_WATER",
            Sector::Clinic => "CLINIC",
            Sector::PowerGrid => "POWER_GRID",
            Sector::Education => "EDUCATION",
            Sector::Telecom => "TELECOM",
            Sector::Industry => "INDUSTRY",
            Sector::Housing => "HOUSING",
            Sector::Other => "OTHER",
        }
    }

    /// The report's name for the sector.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Sector::Road => "道路",
            Sector::DrinkingWater => "人饮工程",
            Sector::Clinic => "标准化卫生室",
            Sector::PowerGrid => "农网改造",
            Sector::Education => "教育基础设施",
            Sector::Telecom => "通讯网络",
            Sector::Industry => "产业",
            Sector::Housing => "危房改造/易地搬迁",
            Sector::Other => "其他",
        }
    }

    /// The unit planned and completed quantities are measured in.
    pub fn unit(self) -> &'static str {
        match self {
            Sector::Road | Sector::PowerGrid => "公里",
            Sector::DrinkingWater => "处",
            Sector::Housing => "户",
            Sector::Clinic | Sector::Education | Sector::Telecom | Sector::Industry | Sector::Other => "个",
        }
    }

    /// Whether the unit counts whole things (处, 个, 户) rather than a length (公里): then
    /// only finished projects add to what is done (DESIGN §4, completedQuantity).
    pub fn counts_whole_units(self) -> bool {
        self.unit() != "公里"
    }

    /// Parses the comma-separated list stored with a department.
    pub fn parse_list(stored: &str) -> Result<Vec<Sector>, String> {
        stored
            .split(',')
            .filter(|s| !s.is_empty())
            .map(Sector::from_str)
            .collect()
    }

    /// The stored form of a list of sectors: sorted, without repeats.
    pub fn format_list(sectors: &[Sector]) -> String {
        let mut sorted = sectors.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }
}

impl FromStr for Sector {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sector::ALL
            .into_iter()
            .find(|sector| sector.as_str() == s)
            .ok_or_else(|| format!("unknown sector `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_round_trips_sorted_and_deduplicated() {
        let stored = Sector::format_list(&[Sector::Telecom, Sector::Road, Sector::Road]);
        assert_eq!(stored, "ROAD,TELECOM");
        assert_eq!(
            Sector::parse_list(&stored).unwrap(),
            vec![Sector::Road, Sector::Telecom]
        );
        assert_eq!(Sector::parse_list("").unwrap(), vec![]);
        assert!(Sector::parse_list("ROAD,BRIDGE").is_err());
    }
}
