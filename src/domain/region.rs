//! 行政区划 — the region tree and its 12-digit statistical division codes (统计用区划代码).
//!
//! A code encodes its own place in the tree: 2 digits of province, 2 of city, 2 of county,
//! 3 of township and 3 of village, with the unused tail zero. So a code's level, its
//! parent and its subtree (every code sharing its significant prefix) follow from the
//! digits alone, and scope checks are prefix tests the database can answer from an index.
use std::fmt;
use std::str::FromStr;

/// 区划级别 — the level of a region in the tree.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegionLevel {
    /// 省
    Province,
    /// 市
    City,
    /// 县
    County,
    /// 乡镇
    Township,
    /// 村
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "PROVINCE",
            RegionLevel::City => "CITY",
            RegionLevel::County => "COUNTY",
            RegionLevel::Township => "TOWNSHIP",
            RegionLevel::Village => "VILLAGE",
        }
    }

    /// How many leading digits of a code are significant at this level.
    fn prefix_len(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    pub fn chinese_name(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县",
            RegionLevel::Township => "乡镇",
            RegionLevel::Village => "村",
        }
    }
}

impl FromStr for RegionLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::County,
            RegionLevel::Township,
            RegionLevel::Village,
        ]
        .into_iter()
        .find(|level| level.as_str() == s)
        .ok_or_else(|| format!("unknown region level `{s}`"))
    }
}

/// A valid 12-digit division code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses a code, explaining in a clerk's terms what is wrong with a bad one.
    pub fn parse(raw: &str) -> Result<RegionCode, String> {
        let code = raw.trim();
        if code.len() != 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "`{raw}` is not a region code: a division code (统计用区划代码) is 12 digits, e.g. 990101001000"
            ));
        }
        if &code[0..2] == "00" {
            return Err(format!("`{raw}` is not a region code: it names no province"));
        }
        let parsed = RegionCode(code.to_string());
        // Every segment above the code's own level must be non-zero: 990001000000 would
        // be a county under city "00", which names no real place.
        let level = parsed.level();
        for (segment, above, name) in [
            (2..4, RegionLevel::City, "city"),
            (4..6, RegionLevel::County, "county"),
            (6..9, RegionLevel::Township, "township"),
        ] {
            if level >= above && code[segment].bytes().all(|b| b == b'0') {
                return Err(format!("`{raw}` is not a region code: its {name} digits are zero"));
            }
        }
        Ok(parsed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level the code's digits place it at.
    pub fn level(&self) -> RegionLevel {
        let zeros_from = |i: usize| self.0.as_bytes()[i..].iter().all(|&b| b == b'0');
        if zeros_from(2) {
            RegionLevel::Province
        } else if zeros_from(4) {
            RegionLevel::City
        } else if zeros_from(6) {
            RegionLevel::County
        } else if zeros_from(9) {
            RegionLevel::Township
        } else {
            RegionLevel::Village
        }
    }

    /// The significant leading digits: every code in this region's subtree starts with them.
    pub fn subtree_prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// The first code after this region's subtree, so that the subtree is the range
    /// `subtree_prefix() <= code < subtree_end()` — which an index can answer, unlike a
    /// `LIKE` with a bound pattern. Codes are digits, and ':' follows '9'.
    pub fn subtree_end(&self) -> String {
        let prefix = self.subtree_prefix();
        let (head, last) = prefix.split_at(prefix.len() - 1);
        let next = char::from(last.as_bytes()[0] + 1);
        format!("{head}{next}")
    }

    /// The region one level up, or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let keep = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
        };
        Some(RegionCode(format!("{:0<12}", &self.0[..keep])))
    }

    /// Every region above this one, nearest first.
    pub fn ancestors(&self) -> Vec<RegionCode> {
        let mut out = Vec::new();
        let mut current = self.parent();
        while let Some(code) = current {
            current = code.parent();
            out.push(code);
        }
        out
    }

    /// The county this region is or lies in; `None` for a city or province.
    pub fn county(&self) -> Option<RegionCode> {
        if self.level() == RegionLevel::County {
            return Some(self.clone());
        }
        self.ancestors().into_iter().find(|c| c.level() == RegionLevel::County)
    }

    /// Whether `other` is this region or lies below it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.subtree_prefix())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn level_follows_from_the_digits() {
        assert_eq!(code("990000000000").level(), RegionLevel::Province);
        assert_eq!(code("990100000000").level(), RegionLevel::City);
        assert_eq!(code("990101000000").level(), RegionLevel::County);
        assert_eq!(code("990101001000").level(), RegionLevel::Township);
        assert_eq!(code("990101001001").level(), RegionLevel::Village);
    }

    #[test]
    fn parent_and_ancestors_walk_up_the_tree() {
        let village = code("990101012034");
        assert_eq!(village.parent(), Some(code("990101012000")));
        let ancestors: Vec<String> = village.ancestors().iter().map(|c| c.to_string()).collect();
        assert_eq!(
            ancestors,
            ["990101012000", "990101000000", "990100000000", "990000000000"]
        );
        assert_eq!(code("990000000000").parent(), None);
    }

    #[test]
    fn subtree_is_a_prefix_test() {
        let county = code("990101000000");
        assert!(county.contains(&code("990101000000")));
        assert!(county.contains(&code("990101003017")));
        assert!(!county.contains(&code("990102003017")));
        assert!(!code("990101001000").contains(&county));
        assert_eq!(code("990101001000").subtree_prefix(), "990101001");
        assert_eq!(code("990101001000").subtree_end(), "990101002");
        assert_eq!(code("990109000000").subtree_end(), "99010:");
        assert!("990109999999" < "99010:" && "990110000000" > "99010:");
    }

    #[test]
    fn malformed_codes_are_refused_with_a_reason() {
        for bad in [
            "",
            "99010100100",
            "9901010010001",
            "99010100100a",
            "000000000000",
            "990001000000",
            "990100001000",
            "990101000001",
        ] {
            let err = RegionCode::parse(bad).unwrap_err();
            assert!(err.contains("not a region code"), "{bad}: {err}");
        }
        assert_eq!(RegionCode::parse(" 990101001000 ").unwrap().as_str(), "990101001000");
    }
}
