//! A table as the finance bureau opens it: typed cells that Excel can add up, a title
//! block (what, where, which year, as of which day, in which unit, when produced), a
//! totals row, yuan or 万元; and the same table as CSV, exact text without the title block.
use crate::domain::money::Money;
use crate::service::{ServiceError, ServiceResult};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// The unit money is shown in.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Unit {
    /// 元, to the fen.
    #[default]
    Yuan,
    /// 万元, to the fen (six decimals).
    Wan,
}

impl Unit {
    pub fn parse(name: &str) -> Option<Unit> {
        match name {
            "yuan" => Some(Unit::Yuan),
            "wan" => Some(Unit::Wan),
            _ => None,
        }
    }

    pub fn chinese_name(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::Wan => "万元",
        }
    }

    /// A money column's heading: `预算` → `预算(元)` or `预算(万元)`.
    pub fn heading(self, name: &str) -> String {
        format!("{name}({})", self.chinese_name())
    }

    /// The amount in this unit, exact: fen over 10² or 10⁶.
    pub fn amount(self, money: Money) -> Decimal {
        match self {
            Unit::Yuan => Decimal::new(money.fen(), 2),
            Unit::Wan => Decimal::new(money.fen(), 6),
        }
    }

    fn number_format(self) -> &'static str {
        match self {
            Unit::Yuan => "#,##0.00",
            Unit::Wan => "#,##0.000000",
        }
    }
}

/// One cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A count the totals row adds up (projects, households).
    Count(i64),
    /// A number that is a name, not an amount (a year, a month, an entry's number): not added up.
    Code(i64),
    Money(Money),
    /// A percentage with two decimals (87.35 for 87.35 %).
    Rate(Decimal),
    /// A quantity of work (km, places), not added up: a column can mix units.
    Quantity(Decimal),
    Date(NaiveDate),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// Text, or an empty cell where there is none.
    pub fn opt(value: Option<impl ToString>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }
}

/// A sheet: its name, title, Chinese column headings and rows.
#[derive(Clone, Debug)]
pub struct Table {
    pub sheet: &'static str,
    /// `示范县2026年资金使用情况`: the region, the year and what the sheet is.
    pub title: String,
    /// The day the figures are as of (截至); `None` for a list of rows as they stand.
    pub as_of: Option<NaiveDate>,
    pub unit: Unit,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Whether a totals row means something (a journal of several kinds of entry adds
    /// receipts to payments: it gets none).
    pub with_totals: bool,
}

impl Table {
    /// 合计 — Σ of each column of amounts or counts, exact; other columns blank, and
    /// "合计" in the first column that is neither.
    pub fn totals(&self) -> ServiceResult<Vec<Cell>> {
        let mut totals = vec![Cell::Empty; self.headers.len()];
        for row in &self.rows {
            for (total, cell) in totals.iter_mut().zip(row) {
                *total = match (&*total, cell) {
                    (Cell::Empty, Cell::Money(m)) => Cell::Money(*m),
                    (Cell::Money(t), Cell::Money(m)) => Cell::Money(
                        t.checked_add(*m)
                            .ok_or_else(|| ServiceError::Internal("a column's total overflows".into()))?,
                    ),
                    (Cell::Empty, Cell::Count(n)) => Cell::Count(*n),
                    (Cell::Count(t), Cell::Count(n)) => Cell::Count(t.saturating_add(*n)),
                    (total, _) => total.clone(),
                };
            }
        }
        if let Some(label) = totals.iter_mut().find(|c| matches!(c, Cell::Empty)) {
            *label = Cell::text("合计");
        }
        Ok(totals)
    }

    /// 截至 2026-09-30　单位：元　制表时间：2026-12-03 18:55
    fn subtitle(&self, produced_at: DateTime<Utc>) -> String {
        let produced = crate::domain::calendar::china_time(produced_at);
        let mut parts = Vec::new();
        if let Some(day) = self.as_of {
            parts.push(format!("截至{day}"));
        }
        parts.push(format!("单位：{}", self.unit.chinese_name()));
        parts.push(format!("制表时间：{}", produced.format("%Y-%m-%d %H:%M")));
        parts.join("　")
    }
}

/// The row of the XLSX where the column headings are; data follows.
pub const HEADER_ROW: u32 = 2;

/// Money as an XLSX number cell, which is a binary float: the nearest float to the exact
/// amount (Rust's parsing rounds correctly), which reads back as the same fen for every
/// amount below 10¹³ fen — a float carries 15 significant digits, the amount at most 13.
/// This is the only place money becomes a float, and only on its way out of the system.
pub fn excel_number(money: Money, unit: Unit) -> f64 {
    unit.amount(money).to_string().parse().unwrap_or(f64::NAN)
}

fn decimal_number(value: Decimal) -> f64 {
    value.to_string().parse().unwrap_or(f64::NAN)
}

/// How wide a column is in Excel's units: CJK characters count twice.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn cell_text(cell: &Cell, unit: Unit) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.clone(),
        Cell::Count(n) | Cell::Code(n) => n.to_string(),
        Cell::Money(m) => unit.amount(*m).to_string(),
        Cell::Rate(r) | Cell::Quantity(r) => r.to_string(),
        Cell::Date(d) => d.to_string(),
    }
}

/// CSV, UTF-8 with a byte-order mark so that Excel reads the Chinese: the headings and the
/// rows as exact text, for machines as much as for people (no title block, no totals).
pub fn to_csv(table: &Table) -> ServiceResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| ServiceError::Internal(format!("writing CSV failed: {e}"));
        writer.write_record(&table.headers).map_err(fail)?;
        for row in &table.rows {
            writer
                .write_record(row.iter().map(|c| cell_text(c, table.unit)))
                .map_err(fail)?;
        }
        writer
            .flush()
            .map_err(|e| ServiceError::Internal(format!("writing CSV failed: {e}")))?;
    }
    Ok(out)
}

/// XLSX: the title block, bold headings frozen in place, number cells with number formats,
/// dates as dates, the totals row (where it means something), columns as wide as what they hold.
pub fn to_xlsx(table: &Table, produced_at: DateTime<Utc>) -> ServiceResult<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("writing XLSX failed: {e}"));
    let too_many = || ServiceError::Internal("too many rows or columns for a sheet".into());
    let title_format = Format::new().set_bold().set_font_size(14);
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border_bottom(FormatBorder::Thin);
    let money = Format::new().set_num_format(table.unit.number_format());
    let rate = Format::new().set_num_format("0.00\"%\"");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let plain = Format::new();
    let total_top = |f: &Format| f.clone().set_bold().set_border_top(FormatBorder::Thin);

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.sheet).map_err(fail)?;
    let columns = u16::try_from(table.headers.len().max(1)).map_err(|_| too_many())?;
    sheet
        .write_string_with_format(0, 0, &table.title, &title_format)
        .map_err(fail)?;
    sheet.write_string(1, 0, table.subtitle(produced_at)).map_err(fail)?;
    let mut widths: Vec<usize> = table.headers.iter().map(|h| display_width(h)).collect();
    for (col, header) in table.headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| too_many())?;
        sheet
            .write_string_with_format(HEADER_ROW, col, header, &heading)
            .map_err(fail)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0).map_err(fail)?;
    let totals = if table.with_totals { Some(table.totals()?) } else { None };
    let rows = table
        .rows
        .iter()
        .map(|r| (r, false))
        .chain(totals.iter().map(|t| (t, true)));
    for (r, (row, is_total)) in rows.enumerate() {
        let r = u32::try_from(r)
            .ok()
            .and_then(|r| r.checked_add(HEADER_ROW + 1))
            .ok_or_else(too_many)?;
        for (c, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(c) {
                *width = (*width).max(display_width(&cell_text(cell, table.unit)));
            }
            let c = u16::try_from(c).map_err(|_| too_many())?;
            let styled = |f: &Format| if is_total { total_top(f) } else { f.clone() };
            match cell {
                Cell::Empty if is_total => sheet.write_blank(r, c, &styled(&plain)).map(|_| ()),
                Cell::Empty => Ok(()),
                Cell::Text(t) => sheet.write_string_with_format(r, c, t, &styled(&plain)).map(|_| ()),
                // Counts, years and entry numbers are far below 2^53, where floats stop being exact.
                Cell::Count(n) | Cell::Code(n) => sheet
                    .write_number_with_format(r, c, *n as f64, &styled(&plain))
                    .map(|_| ()),
                Cell::Money(m) => sheet
                    .write_number_with_format(r, c, excel_number(*m, table.unit), &styled(&money))
                    .map(|_| ()),
                Cell::Rate(v) => sheet
                    .write_number_with_format(r, c, decimal_number(*v), &styled(&rate))
                    .map(|_| ()),
                Cell::Quantity(v) => sheet
                    .write_number_with_format(r, c, decimal_number(*v), &styled(&plain))
                    .map(|_| ()),
                Cell::Date(d) => {
                    let day = ExcelDateTime::from_ymd(
                        u16::try_from(chrono::Datelike::year(d)).map_err(|_| too_many())?,
                        chrono::Datelike::month(d) as u8,
                        chrono::Datelike::day(d) as u8,
                    )
                    .map_err(fail)?;
                    sheet.write_datetime_with_format(r, c, &day, &styled(&date)).map(|_| ())
                }
            }
            .map_err(fail)?;
        }
    }
    for (col, width) in widths.into_iter().enumerate().take(usize::from(columns)) {
        let col = u16::try_from(col).map_err(|_| too_many())?;
        sheet
            .set_column_width(col, (width + 2).clamp(8, 60) as f64)
            .map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every amount below 10¹³ fen reads back from its float as the same fen, in yuan and in 万元.
        #[test]
        fn a_float_cell_keeps_every_fen(fen in -9_999_999_999_999i64..10_000_000_000_000i64) {
            let m = Money::from_fen(fen);
            prop_assert_eq!((excel_number(m, Unit::Yuan) * 100.0).round() as i64, fen);
            prop_assert_eq!((excel_number(m, Unit::Wan) * 1_000_000.0).round() as i64, fen);
        }
    }

    #[test]
    fn the_totals_row_adds_amounts_and_counts_only() {
        let table = Table {
            sheet: "s",
            title: "t".into(),
            as_of: None,
            unit: Unit::Yuan,
            headers: vec!["年度".into(), "名称".into(), "金额".into(), "户数".into(), "率".into()],
            rows: vec![
                vec![
                    Cell::Code(2026),
                    Cell::text("甲"),
                    Cell::Money(Money::from_fen(10)),
                    Cell::Count(2),
                    Cell::Rate(Decimal::new(5000, 2)),
                ],
                vec![
                    Cell::Code(2026),
                    Cell::text("乙"),
                    Cell::Money(Money::from_fen(-3)),
                    Cell::Count(5),
                    Cell::Empty,
                ],
            ],
            with_totals: true,
        };
        assert_eq!(
            table.totals().unwrap(),
            vec![
                Cell::text("合计"),
                Cell::Empty,
                Cell::Money(Money::from_fen(7)),
                Cell::Count(7),
                Cell::Empty
            ]
        );
    }

    #[test]
    fn amounts_are_exact_in_either_unit() {
        let m = Money::from_fen(123_456);
        assert_eq!(Unit::Yuan.amount(m).to_string(), "1234.56");
        assert_eq!(Unit::Wan.amount(m).to_string(), "0.123456");
        assert_eq!(Unit::Wan.heading("预算"), "预算(万元)");
    }
}
