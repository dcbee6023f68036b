//! The workbooks an import hands out: a kind's template (headings, an instructions sheet,
//! drop-down lists for the choices, example rows) and a run's report (the file's rows with
//! what became of each).
use super::ReportBody;
use crate::domain::import::RowStatus;
use crate::domain::import::{Kind, Value};
use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};

/// Rows of example data, in the columns' order.
fn examples(kind: Kind) -> &'static [&'static [&'static str]] {
    match kind {
        Kind::FundLines => &[
            &[
                "2026年统筹整合涉农资金",
                "2026",
                "统筹整合涉农资金",
                "中央",
                "11000000.00",
                "是",
            ],
            &[
                "2026年县本级配套资金",
                "2026",
                "县本级配套资金",
                "县级",
                "3000000.00",
                "",
            ],
        ],
        Kind::Receipts => &[
            &[
                "2026年统筹整合涉农资金",
                "2026",
                "财农〔2026〕12号",
                "5000000.00",
                "2026-03-05",
                "第一批",
            ],
            &[
                "2026年统筹整合涉农资金",
                "2026",
                "财农〔2026〕31号",
                "4822000.00",
                "2026年6月18日",
                "",
            ],
        ],
        Kind::Allocations => &[
            &[
                "2026年统筹整合涉农资金",
                "2026",
                "2026-ROAD-0001",
                "800000.00",
                "2026-04-01",
                "",
                "",
                "",
            ],
            &[
                "2026年县本级配套资金",
                "2026",
                "2026-ROAD-0001",
                "200000.00",
                "2026.4.1",
                "",
                "",
                "",
            ],
        ],
        Kind::Disbursements => &[&[
            "2026年统筹整合涉农资金",
            "2026",
            "2026-ROAD-0001",
            "记-0412",
            "320000.00",
            "2026-05-20",
            "",
            "",
            "进度款",
        ]],
        Kind::ExitRegister => &[
            &["990101001001", "通硬化路", "达标", "", "2026-06-30", "通村路已验收"],
            &["990101001001", "贫困发生率", "", "1.8", "2026-06-30", ""],
        ],
        Kind::VillageFigures => &[&["990101001001", "2026", "1250", "12", "38", "9", "30"]],
        Kind::Regions => &[
            &["990101001000", "城关镇", "", "", ""],
            &["990101001001", "大河村", "是", "35", "112"],
        ],
        Kind::Projects => &[
            &[
                "2026-ROAD-0001",
                "大河村通村路硬化",
                "2026-01-10",
                "2026",
                "道路",
                "城关镇",
                "大河村",
                "新建",
                "硬化通村路5.2公里，宽4.5米",
                "5.2",
                "1560000.00",
                "215",
                "860",
                "38",
                "112",
                "新建硬化路:公里:5.2；受益人口:人:860",
                "2026-04-01",
                "2026-09-30",
                "2026-01-20",
                "2026-02-01",
                "2026-02-12",
                "2026-02-20",
                "2026-02-25",
                "示范县交通运输局",
                "2026-03-10",
                "2026-03-02",
                "2026-04-01",
                "2026-08-28",
                "5.2",
                "2026-09-01",
                "2026-09-15",
                "合格",
                "",
                "",
                "",
                "已验收",
            ],
            &[
                "",
                "大河村饮水巩固提升",
                "2026年2月3日",
                "2026",
                "人饮工程",
                "城关镇",
                "大河村",
                "改扩建",
                "新建蓄水池1处",
                "1",
                "380000.00",
                "120",
                "460",
                "20",
                "64",
                "新建蓄水池:处:1",
                "2026-05-01",
                "2026-07-31",
                "2026-02-10",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "已申报",
            ],
        ],
        Kind::Plan => &[
            &[
                "2026",
                "1",
                "2026-02-15",
                "示政发〔2026〕8号",
                "",
                "2026年统筹整合涉农资金",
                "11000000.00",
                "",
                "",
                "",
                "",
            ],
            &["2026", "1", "", "", "", "", "", "道路", "48.5", "12", ""],
            &[
                "2026",
                "1",
                "",
                "",
                "",
                "2026年统筹整合涉农资金",
                "800000.00",
                "",
                "",
                "",
                "2026-ROAD-0001",
            ],
        ],
        Kind::Progress => &[
            &["2026-ROAD-0001", "2026-05-31", "1.5", "300000.00", "", "", "路基完成"],
            &["2026-ROAD-0001", "2026年6月30日", "3.2", "650000.00", "", "", ""],
        ],
    }
}

fn xlsx_error(e: XlsxError) -> String {
    format!("the workbook could not be written: {e}")
}

/// The template of a kind, as XLSX bytes.
pub fn template(kind: Kind) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let heading = Format::new()
        .set_bold()
        .set_background_color("#F6F3EE")
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let required = heading.clone().set_font_color("#B3261E");
    let columns = kind.columns();
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(kind.chinese_name()).map_err(xlsx_error)?;
        for (c, column) in columns.iter().enumerate() {
            let col = c as u16;
            let (text, format) = if column.required {
                (format!("*{}", column.chinese), &required)
            } else {
                (column.chinese.to_string(), &heading)
            };
            sheet
                .write_string_with_format(0, col, text, format)
                .map_err(xlsx_error)?;
            sheet.set_column_width(col, 18).map_err(xlsx_error)?;
            let list: Option<Vec<&str>> = match column.value {
                Value::Choice(choices) => Some(choices.iter().map(|(_, name)| *name).collect()),
                Value::Flag => Some(vec!["是", "否"]),
                _ => None,
            };
            if let Some(list) = list {
                let validation = DataValidation::new()
                    .allow_list_strings(&list)
                    .map_err(xlsx_error)?
                    .set_input_message(column.help)
                    .map_err(xlsx_error)?;
                sheet
                    .add_data_validation(1, col, 10_000, col, &validation)
                    .map_err(xlsx_error)?;
            }
        }
        for (r, row) in examples(kind).iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    sheet.write_string(r as u32 + 1, c as u16, *value).map_err(xlsx_error)?;
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    }
    let notes = workbook.add_worksheet();
    notes.set_name("填写说明").map_err(xlsx_error)?;
    let lines = [
        format!(
            "{}导入模板：第一张表的第一行是列名（*为必填），示例行导入前请删除。",
            kind.chinese_name()
        ),
        "列的顺序不限；列名可用中文或英文（见下表）；表头上方可以有标题行和说明行。".to_string(),
        "金额以元为单位，精确到分；若以万元填写，请在列名中写明（如：金额（万元））或在表头上方注明“单位：万元”。"
            .to_string(),
        "日期可写作 2026-03-05、2026/3/5、2026.3.5 或 2026年3月5日。全角数字亦可。".to_string(),
        format!(
            "先试导入：tracker import {} 文件 --user 用户名 --dry-run；逐行检查，全部通过才写入（或 --partial 只写入通过的行）。",
            kind.as_str()
        ),
        "同一文件再次导入不会重复写入；与已有记录不一致的行报告为冲突，不会覆盖。".to_string(),
    ];
    for (r, line) in lines.iter().enumerate() {
        notes.write_string(r as u32, 0, line).map_err(xlsx_error)?;
    }
    let top = lines.len() as u32 + 1;
    for (c, title) in ["列名", "英文列名", "必填", "填写要求"].iter().enumerate() {
        notes
            .write_string_with_format(top, c as u16, *title, &heading)
            .map_err(xlsx_error)?;
    }
    for (i, column) in columns.iter().enumerate() {
        let r = top + 1 + i as u32;
        notes.write_string(r, 0, column.chinese).map_err(xlsx_error)?;
        notes.write_string(r, 1, column.key).map_err(xlsx_error)?;
        notes
            .write_string(r, 2, if column.required { "必填" } else { "选填" })
            .map_err(xlsx_error)?;
        let help = match column.value {
            Value::Choice(choices) => {
                let names: Vec<&str> = choices.iter().map(|(_, n)| *n).collect();
                format!("{}：{}", column.help, names.join("、"))
            }
            _ => column.help.to_string(),
        };
        notes.write_string(r, 3, help).map_err(xlsx_error)?;
    }
    notes.set_column_width(0, 16).map_err(xlsx_error)?;
    notes.set_column_width(1, 20).map_err(xlsx_error)?;
    notes.set_column_width(3, 80).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// A county's rows of a kind in the import layout (`books::rows`), as XLSX bytes.
pub fn books(kind: Kind, rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let heading = Format::new().set_bold().set_background_color("#F6F3EE");
    let sheet = workbook.add_worksheet();
    sheet.set_name(kind.chinese_name()).map_err(xlsx_error)?;
    for (c, column) in kind.columns().iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, column.chinese, &heading)
            .map_err(xlsx_error)?;
        sheet.set_column_width(c as u16, 16).map_err(xlsx_error)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, value).map_err(xlsx_error)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn status_name(status: RowStatus) -> &'static str {
    match status {
        RowStatus::Accepted => "通过",
        RowStatus::Unchanged => "已存在（未改动）",
        RowStatus::Conflict => "冲突（未覆盖）",
        RowStatus::Refused => "未通过",
    }
}

/// A run's report as XLSX: the file's rows as read, then what became of each and why.
pub fn report(body: &ReportBody) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let heading = Format::new().set_bold().set_background_color("#F6F3EE");
    let sheet = workbook.add_worksheet();
    sheet.set_name("导入结果").map_err(xlsx_error)?;
    sheet
        .write_string_with_format(0, 0, "行号", &heading)
        .map_err(xlsx_error)?;
    for (c, h) in body.headings.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16 + 1, h, &heading)
            .map_err(xlsx_error)?;
    }
    let after = body.headings.len() as u16 + 1;
    sheet
        .write_string_with_format(0, after, "导入结果", &heading)
        .map_err(xlsx_error)?;
    sheet
        .write_string_with_format(0, after + 1, "错误", &heading)
        .map_err(xlsx_error)?;
    for (r, row) in body.rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, row.line as f64).map_err(xlsx_error)?;
        // The cells under their headings; a cell past the last heading has no column here.
        for (c, cell) in row.cells.iter().take(body.headings.len()).enumerate() {
            sheet.write_string(r, c as u16 + 1, cell).map_err(xlsx_error)?;
        }
        sheet
            .write_string(r, after, status_name(row.status))
            .map_err(xlsx_error)?;
        let errors: Vec<String> = row
            .errors
            .iter()
            .map(|e| match &e.heading {
                Some(h) => format!("{h}：{}", e.message),
                None => e.message.clone(),
            })
            .collect();
        sheet
            .write_string(r, after + 1, errors.join("；"))
            .map_err(xlsx_error)?;
    }
    sheet.set_column_width(after + 1, 80).map_err(xlsx_error)?;
    sheet.set_freeze_panes(1, 1).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_row_fills_its_kinds_columns() {
        for kind in Kind::ALL {
            for row in examples(kind) {
                assert_eq!(row.len(), kind.columns().len(), "{kind:?}");
            }
        }
    }
}
