//! Business failures: what went wrong, in the user's terms, and which input caused it.

/// The kinds of failure a mutation reports in `userErrors`; clients branch on these.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "UserErrorCode")]
pub enum ErrorCode {
    /// 输入有误 — a value is malformed, out of range or inconsistent with another.
    InvalidInput,
    /// 不存在 — the object named does not exist (or is outside the caller's scope).
    NotFound,
    /// 无权限 — the caller's role or region may not do this.
    Forbidden,
    /// 已存在 — a unique name or code is already taken.
    AlreadyExists,
    /// 用户名或密码错误 — sign-in failed.
    InvalidCredentials,
    /// 状态不允许 — the project's state does not allow this action.
    InvalidTransition,
    /// 版本已过期 — someone changed the object since you read it; reload and try again.
    StaleVersion,
    /// 资金不足 — more than has arrived (or been allocated) is asked for.
    InsufficientFunds,
    /// 负面清单 — this kind of fund may not pay for this category of project.
    NegativeList,
    /// 非扶贫对象 — poverty money must reach a poverty village or registered poor households.
    NotPovertyTargeted,
    /// 项目阶段不符 — the project's stage does not allow this (e.g. paying before construction).
    WrongProjectStage,
    /// 计划已锁定 — an approved plan is not changed in place; a change makes a new version.
    PlanLocked,
    /// 计划外 — the allocation is outside the plan in force (or above its amount for the
    /// project); send it again marked `outsidePlan` with the reason.
    OutsidePlan,
    /// 已冲销 — the entry has already been reversed.
    AlreadyReversed,
    /// 操作过于频繁 — too many failed sign-ins; wait and try again.
    RateLimited,
    /// 公示未完成 — a required public notice (公告公示) is missing, has not run its full
    /// period, or has an objection not yet resolved; the message names which.
    DisclosureRequired,
}

/// One business failure: a code, the input path that caused it, a message for a clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub code: ErrorCode,
    /// Path to the input field, e.g. `["input", "regionCode"]`; empty when no field is to blame.
    pub field: Vec<String>,
    pub message: String,
}

impl Fault {
    pub fn new(code: ErrorCode, field: &[&str], message: impl Into<String>) -> Self {
        Fault {
            code,
            field: field.iter().map(|f| f.to_string()).collect(),
            message: message.into(),
        }
    }

    /// An invalid value of `input.<field>`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Fault::new(ErrorCode::InvalidInput, &["input", field], message)
    }

    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Fault::new(ErrorCode::NotFound, &["input", field], message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Fault::new(ErrorCode::Forbidden, &[], message)
    }

    /// `input.expectedVersion` is not the object's version: someone changed it since.
    pub fn stale(what: impl std::fmt::Display, version: i32, status: &str) -> Self {
        Fault::new(
            ErrorCode::StaleVersion,
            &["input", "expectedVersion"],
            format!(
                "{what} has changed since you loaded it (it is now at version {version}, {status}): reload it and try again"
            ),
        )
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Trims a required text input and checks its length, naming the field when it fails.
pub fn required_text(field: &str, label: &str, raw: &str, max_chars: usize) -> Result<String, Fault> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Fault::invalid(field, format!("{label} must not be empty")));
    }
    if value.chars().count() > max_chars {
        return Err(Fault::invalid(
            field,
            format!("{label} is longer than {max_chars} characters"),
        ));
    }
    Ok(value.to_string())
}

/// The longest note or comment kept with a record: a step's comment, a report's or an
/// entry's note, a plan adjustment's reason.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Trims an optional text input (a note, a comment): blank is none; longer than
/// `max_chars` is a fault naming the field.
pub fn optional_text(field: &str, label: &str, raw: Option<&str>, max_chars: usize) -> Result<Option<String>, Fault> {
    match raw.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) if text.chars().count() > max_chars => Err(Fault::invalid(
            field,
            format!("{label} is at most {max_chars} characters"),
        )),
        text => Ok(text.map(str::to_string)),
    }
}

/// Checks that a count (households, people) is not negative.
pub fn non_negative(field: &str, label: &str, value: i32) -> Result<i32, Fault> {
    if value < 0 {
        return Err(Fault::invalid(
            field,
            format!("{label} cannot be negative (got {value})"),
        ));
    }
    Ok(value)
}

/// A figure beyond what the record allows stands only when the clerk says so and why: an
/// allocation above the project's budget (超概算), a quantity above the planned one. Refused
/// on `flag` unless it is set and a reason (`reason_field`) is given; `what` describes the
/// excess in the clerk's terms.
pub fn check_confirmed_excess(
    exceeds: bool,
    flag: (&str, bool),
    reason: (&str, Option<&str>),
    what: impl FnOnce() -> String,
) -> Result<(), Fault> {
    let (flag_field, confirmed) = flag;
    let (reason_field, reason) = reason;
    if !exceeds {
        return Ok(());
    }
    if !confirmed {
        return Err(Fault::invalid(
            flag_field,
            format!(
                "{}; send {flag_field}: true with the reason in {reason_field} to record it",
                what()
            ),
        ));
    }
    if reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Fault::invalid(
            reason_field,
            format!("{}; say why in {reason_field}", what()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excess_needs_the_flag_and_a_reason() {
        let what = || "above the budget".to_string();
        assert!(check_confirmed_excess(false, ("confirm", false), ("note", None), what).is_ok());
        let refused = check_confirmed_excess(true, ("confirm", false), ("note", Some("why")), what).unwrap_err();
        assert_eq!(refused.field, ["input", "confirm"]);
        let refused = check_confirmed_excess(true, ("confirm", true), ("note", Some(" ")), what).unwrap_err();
        assert_eq!(refused.field, ["input", "note"]);
        assert!(check_confirmed_excess(true, ("confirm", true), ("note", Some("追加工程量")), what).is_ok());
    }
}
