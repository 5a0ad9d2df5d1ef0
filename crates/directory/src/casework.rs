//! How an organisation runs its casework (decision 0004): the callback's attempts and survey
//! scale, what counts as satisfied, the cap on reopens, the authority matrix and the reward
//! shares. Published with the directory under `defaults.casework`; every field has the default
//! the product ships, so an organisation sets only what differs.

use serde::{Deserialize, Serialize};

use crate::{Invalid, invalid};

/// The levels the authority matrix names, lowest first.
pub const LEVELS: &[&str] = &["handler", "supervisor", "department_head", "senior_management"];

/// The casework rules of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseworkRules {
    /// Callback attempts, at different times, before the case closes as unreachable (1–10).
    pub callback_attempts: u32,
    /// Reopens after a dissatisfied callback before the case must be formally concluded (0–10).
    pub reopen_cap: u32,
    /// The top of the callback survey's scale: each dimension scores 1 to this (2–10).
    pub score_scale: u32,
    /// A callback given as scores only counts as satisfied when their mean reaches this (1 to
    /// `score_scale`).
    pub satisfied_from: u32,
    /// Who approves a remedy: the first rule whose remedy (or `*`) and amount match. The last
    /// rule must be `*` with no limit, so every remedy has an approver.
    pub authority: Vec<AuthorityRule>,
    /// The share of a fine a reporter's reward may take, in percent.
    pub fine_share: PercentRange,
    /// The share of the value recovered a reporter's reward may take, in percent.
    pub recovered_share: PercentRange,
}

/// One row of the authority matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRule {
    /// `refund`, `compensation`, `gift`, `written_apology`, `reward`, or `*` for any.
    pub remedy: String,
    /// Up to this amount in fen (分), inclusive; absent for any amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_fen: Option<u64>,
    /// One of [`LEVELS`].
    pub level: String,
}

/// A range of percentages, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PercentRange {
    pub from: u32,
    pub to: u32,
}

impl PercentRange {
    /// Whether `percent` lies in the range.
    pub fn contains(&self, percent: u64) -> bool {
        (u64::from(self.from)..=u64::from(self.to)).contains(&percent)
    }
}

fn rule(remedy: &str, up_to_fen: Option<u64>, level: &str) -> AuthorityRule {
    AuthorityRule {
        remedy: remedy.to_owned(),
        up_to_fen,
        level: level.to_owned(),
    }
}

impl Default for CaseworkRules {
    /// What the product ships: 3 callback attempts, 2 reopens, satisfied from 4 on a 1–5 scale; a
    /// written apology and gifts up to ¥500 by a supervisor, larger gifts by a department head;
    /// any other remedy up to ¥1,000 by a supervisor, up to ¥10,000 by a department head, above
    /// by senior management; rewards of 20–50 % of a fine or 10–20 % of the value recovered.
    fn default() -> Self {
        Self {
            callback_attempts: 3,
            reopen_cap: 2,
            score_scale: 5,
            satisfied_from: 4,
            authority: vec![
                rule("written_apology", None, "supervisor"),
                rule("gift", Some(50_000), "supervisor"),
                rule("gift", None, "department_head"),
                rule("*", Some(100_000), "supervisor"),
                rule("*", Some(1_000_000), "department_head"),
                rule("*", None, "senior_management"),
            ],
            fine_share: PercentRange { from: 20, to: 50 },
            recovered_share: PercentRange { from: 10, to: 20 },
        }
    }
}

impl CaseworkRules {
    /// Checks the rules, naming the field (under `defaults.casework`) and the rule broken.
    pub fn check(&self) -> Result<(), Invalid> {
        let field = |name: &str| format!("defaults.casework.{name}");
        if !(1..=10).contains(&self.callback_attempts) {
            return Err(invalid(field("callback_attempts"), "from 1 to 10"));
        }
        if self.reopen_cap > 10 {
            return Err(invalid(field("reopen_cap"), "from 0 to 10"));
        }
        if !(2..=10).contains(&self.score_scale) {
            return Err(invalid(field("score_scale"), "from 2 to 10"));
        }
        if !(1..=self.score_scale).contains(&self.satisfied_from) {
            return Err(invalid(field("satisfied_from"), "from 1 to score_scale"));
        }
        for (n, row) in self.authority.iter().enumerate() {
            let at = |name: &str| field(&format!("authority[{n}].{name}"));
            if row.remedy != "*" && !crate::is_id(&row.remedy) {
                return Err(invalid(at("remedy"), "`*` or a remedy such as `refund`"));
            }
            if !LEVELS.contains(&row.level.as_str()) {
                return Err(invalid(at("level"), format!("one of {}", LEVELS.join(", "))));
            }
        }
        if !self
            .authority
            .last()
            .is_some_and(|last| last.remedy == "*" && last.up_to_fen.is_none())
        {
            return Err(invalid(
                field("authority"),
                "the last rule is `*` with no up_to_fen, so every remedy has an approver",
            ));
        }
        for (name, range) in [
            ("fine_share", self.fine_share),
            ("recovered_share", self.recovered_share),
        ] {
            if range.from == 0 || range.from > range.to || range.to > 100 {
                return Err(invalid(field(name), "1 ≤ from ≤ to ≤ 100"));
            }
        }
        Ok(())
    }

    /// The level (one of [`LEVELS`]) that approves `remedy` of `amount_fen`.
    pub fn approver(&self, remedy: &str, amount_fen: u64) -> &str {
        self.authority
            .iter()
            .find(|row| {
                (row.remedy == "*" || row.remedy == remedy) && row.up_to_fen.is_none_or(|limit| amount_fen <= limit)
            })
            .map_or("senior_management", |row| row.level.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_matrix_rises_with_the_amount() {
        let rules = CaseworkRules::default();
        rules.check().expect("the defaults hold");
        assert_eq!(rules.approver("written_apology", 0), "supervisor");
        assert_eq!(rules.approver("gift", 50_000), "supervisor");
        assert_eq!(rules.approver("gift", 50_001), "department_head");
        assert_eq!(rules.approver("compensation", 100_000), "supervisor");
        assert_eq!(rules.approver("refund", 500_000), "department_head");
        assert_eq!(rules.approver("reward", 1_000_001), "senior_management");
    }

    #[test]
    fn broken_rules_name_their_field() {
        let broken = |change: fn(&mut CaseworkRules)| {
            let mut rules = CaseworkRules::default();
            change(&mut rules);
            rules.check().expect_err("refused").field
        };
        assert_eq!(
            broken(|r| r.callback_attempts = 0),
            "defaults.casework.callback_attempts"
        );
        assert_eq!(broken(|r| r.satisfied_from = 6), "defaults.casework.satisfied_from");
        assert_eq!(
            broken(|r| r.authority[1].level = "boss".into()),
            "defaults.casework.authority[1].level"
        );
        assert_eq!(
            broken(|r| {
                r.authority.pop();
            }),
            "defaults.casework.authority"
        );
        assert_eq!(
            broken(|r| r.fine_share = PercentRange { from: 60, to: 50 }),
            "defaults.casework.fine_share"
        );
    }

    #[test]
    fn an_organisation_sets_only_what_differs() {
        let rules: CaseworkRules = serde_json::from_str(r#"{"reopen_cap": 1, "satisfied_from": 3}"#).expect("parses");
        assert_eq!(
            (rules.reopen_cap, rules.satisfied_from, rules.callback_attempts),
            (1, 3, 3)
        );
        assert_eq!(rules.authority, CaseworkRules::default().authority);
    }
}
