//! Reading a file the county sends: an XLSX workbook's first sheet, or CSV in UTF-8 (with or
//! without a byte-order mark) or GB18030 (what Chinese Excel writes); then finding the
//! heading row past title rows and notes, and which column is which.
use crate::domain::import::{Column, Kind, Unit, heading_unit, match_heading, unit_note};

/// A sheet as text: each row with its line number as the clerk sees it (1-based).
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The bytes of an XLSX file start as a zip archive does.
fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads the file: XLSX by its signature, else CSV.
pub fn read(bytes: &[u8]) -> Result<Sheet, String> {
    if is_xlsx(bytes) {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

/// The most rows and columns a sheet may have.
pub const MAX_ROWS: u32 = 200_000;
pub const MAX_COLUMNS: u32 = 200;
/// The most an XLSX may unpack to, and the most distinct strings it may declare: checked
/// before the reader sizes anything by what the file says.
const MAX_UNPACKED_BYTES: u64 = 256 << 20;
const MAX_SHARED_STRINGS: u64 = 2_000_000;

/// The text of a CSV file: UTF-8 (a byte-order mark dropped), else GB18030; neither is
/// refused rather than read as garbage.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(
            "the file is neither UTF-8 nor GB18030 text: save it as CSV (UTF-8) or as an Excel workbook".into(),
        );
    }
    Ok(text.into_owned())
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, String> {
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    // The file's own line of each record, counted as the reader moves on (it passes over
    // blank lines without counting them, and a record's position may be where the blank
    // lines before it begin).
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: not CSV ({e})", i + 1))?;
        let mut start = record
            .position()
            .map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(0));
        start = start.clamp(counted_to, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[counted_to..start].iter().filter(|b| **b == b'\n').count();
        counted_to = start;
        if sheet.rows.len() as u32 >= MAX_ROWS {
            return Err(format!("the file has more than {MAX_ROWS} rows: split it"));
        }
        sheet.rows.push((
            line,
            record
                .iter()
                .take(MAX_COLUMNS as usize)
                .map(|c| c.trim().to_string())
                .collect(),
        ));
    }
    Ok(sheet)
}

/// A number cell as text. Excel keeps numbers as binary floats and shows them to 15
/// significant digits; this is the one place a float is read on a money path, and it is
/// read as Excel shows it (a formula's 0.1+0.2 is 0.3), then parsed exactly — an amount
/// with more than two decimals is refused where it is used, never rounded.
fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    rust_decimal::Decimal::from_scientific(&format!("{value:.14e}"))
        .map(|d| d.normalize().to_string())
        .unwrap_or_else(|_| format!("{value}"))
}

/// Refuses a workbook that would unpack past the limits before anything is sized by it.
fn check_archive(bytes: &[u8]) -> Result<(), String> {
    use std::io::Read;
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a workbook Excel can open: {e}"))?;
    let mut unpacked = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| format!("not a workbook Excel can open: {e}"))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(format!(
            "the workbook unpacks to more than {} MB: split it",
            MAX_UNPACKED_BYTES >> 20
        ));
    }
    if let Ok(entry) = archive.by_name("xl/sharedStrings.xml") {
        let mut head = Vec::with_capacity(4096);
        entry
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|e| format!("not a workbook Excel can open: {e}"))?;
        let head = String::from_utf8_lossy(&head);
        for attribute in ["uniqueCount=\"", "count=\""] {
            if let Some(at) = head.find(attribute) {
                let digits: String = head[at + attribute.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if digits.len() > 12 || digits.parse::<u64>().is_ok_and(|n| n > MAX_SHARED_STRINGS) {
                    return Err("the workbook declares more text cells than an import takes: split it".into());
                }
            }
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, String> {
    use calamine::{DataRef, DataType, Reader, Xlsx};
    check_archive(bytes)?;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a workbook Excel can open: {e}"))?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or("the workbook has no sheet")?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    // Cell by cell, so that a sheet's far corner does not size a grid.
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?
    {
        let (row, column) = cell.get_position();
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(format!(
                "the sheet reaches past row {MAX_ROWS} or column {MAX_COLUMNS}: an import takes a table within them"
            ));
        }
        let value = cell.get_value();
        let text = match value {
            DataRef::Empty => continue,
            DataRef::String(s) => s.trim().to_string(),
            DataRef::SharedString(s) => s.trim().to_string(),
            DataRef::Int(n) => n.to_string(),
            DataRef::Float(f) => number_text(*f),
            DataRef::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            // A date cell: its day, read with the workbook's date system (1900 or 1904).
            DataRef::DateTime(_) => value.as_date().map(|d| d.to_string()).unwrap_or_default(),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::Error(e) => format!("#{e:?}"),
        };
        rows.entry(row).or_default().push((column, text));
    }
    let mut sheet = Sheet::default();
    for (row, mut cells) in rows {
        cells.sort_by_key(|(c, _)| *c);
        let width = cells.last().map_or(0, |(c, _)| *c as usize + 1);
        let mut line = vec![String::new(); width];
        for (c, text) in cells {
            line[c as usize] = text;
        }
        sheet.rows.push((row as usize + 1, line));
    }
    Ok(sheet)
}

/// Where a kind's table is in a sheet: the heading row, which column each cell is, the
/// money unit, and the data rows below it (blank rows left out).
#[derive(Debug)]
pub struct Table {
    pub heading_line: usize,
    /// Per cell position, the column it is (or `None`: a column the import does not use).
    pub columns: Vec<Option<&'static Column>>,
    pub headings: Vec<String>,
    pub unit: Unit,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// A row's cell for `key`, trimmed; empty when the column is absent or blank.
    pub fn cell<'a>(&self, row: &'a [String], key: &str) -> &'a str {
        self.columns
            .iter()
            .position(|c| c.is_some_and(|c| c.key == key))
            .and_then(|i| row.get(i))
            .map_or("", |s| s.as_str())
    }
}

/// A totals row (合计, 小计, 总计) under the table: the clerk's sum, not a record.
fn is_total(cells: &[String]) -> bool {
    cells
        .iter()
        .map(|c| crate::domain::import::heading_key(c))
        .find(|c| !c.is_empty())
        .is_some_and(|first| matches!(first.as_str(), "合计" | "小计" | "总计" | "共计"))
}

/// Finds the heading row — the first with two or more of the kind's columns — past merged
/// titles and notes; a note above it (单位：万元) or a heading's own unit (金额（万元）) sets
/// money in 万元. Blank rows and totals rows (合计) are left out. Fails naming the required
/// columns missing.
pub fn locate(kind: Kind, sheet: &Sheet) -> Result<Table, String> {
    let mut unit = None;
    for (index, (line, cells)) in sheet.rows.iter().enumerate() {
        let columns: Vec<Option<&'static Column>> = cells.iter().map(|c| match_heading(kind, c)).collect();
        if columns.iter().flatten().count() < 2 {
            unit = unit.or_else(|| cells.iter().find_map(|c| unit_note(c)));
            continue;
        }
        let missing: Vec<&str> = kind
            .columns()
            .iter()
            .filter(|c| c.required && !columns.iter().flatten().any(|found| found.key == c.key))
            .map(|c| c.chinese)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "line {line}: the heading row has no column {} (see the template: tracker import template {})",
                missing.join("、"),
                kind.as_str()
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (c, heading) in columns.iter().zip(cells) {
            if let Some(c) = c
                && !seen.insert(c.key)
            {
                return Err(format!(
                    "line {line}: two columns are {} (the second is `{heading}`)",
                    c.chinese
                ));
            }
        }
        // A heading's unit wins over a note above the table.
        let heading_unit = cells
            .iter()
            .zip(&columns)
            .filter(|(_, c)| c.is_some_and(|c| c.value == crate::domain::import::Value::Money))
            .find_map(|(h, _)| heading_unit(h));
        let rows = sheet.rows[index + 1..]
            .iter()
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()) && !is_total(cells))
            .cloned()
            .collect();
        return Ok(Table {
            heading_line: *line,
            columns,
            headings: cells.clone(),
            unit: heading_unit.or(unit).unwrap_or(Unit::Yuan),
            rows,
        });
    }
    let names: Vec<&str> = kind
        .columns()
        .iter()
        .filter(|c| c.required)
        .map(|c| c.chinese)
        .collect();
    Err(format!(
        "no heading row found: the {} table needs the columns {}",
        kind.chinese_name(),
        names.join("、")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_a_bom_and_in_gb18030_read_the_same() {
        let text = "文号,金额\n财〔2026〕1号,１００.５\n";
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend(text.as_bytes());
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        for bytes in [text.as_bytes().to_vec(), with_bom, gb.into_owned()] {
            let sheet = read(&bytes).unwrap();
            assert_eq!(
                sheet.rows[1].1,
                vec!["财〔2026〕1号".to_string(), "１００.５".to_string()]
            );
        }
    }

    #[test]
    fn the_heading_row_is_found_past_titles_and_a_unit_note() {
        let text = "示范县2026年资金到位台账,,,,\n单位：万元,,,,\n\n资金名称,年度,文号,到位金额,到位日期\n统筹资金,2026,财1号,12.5,2026.3.5\n,,,,\n统筹资金,2026,财2号,3,2026年4月1日\n";
        let sheet = read(text.as_bytes()).unwrap();
        let table = locate(Kind::Receipts, &sheet).unwrap();
        assert_eq!(table.heading_line, 4);
        assert_eq!(table.unit, Unit::Wan);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].0, 5);
        assert_eq!(table.rows[1].0, 7);
        assert_eq!(table.cell(&table.rows[0].1, "documentNo"), "财1号");
        let missing = locate(Kind::Disbursements, &sheet).unwrap_err();
        assert!(missing.contains("凭证号"), "{missing}");
    }

    fn zipped(files: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(text.as_bytes()).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_workbook_that_declares_too_much_is_refused_before_it_is_read() {
        let bomb = zipped(&[(
            "xl/sharedStrings.xml",
            r#"<?xml version="1.0"?><sst xmlns="x" count="999999999999" uniqueCount="999999999999"></sst>"#,
        )]);
        assert!(read(&bomb).unwrap_err().contains("more text cells"));
        // Text that is neither UTF-8 nor GB18030 is refused, not read as garbage.
        assert!(read(b"\x81\x20,\xff\xfe").is_err());
    }

    #[test]
    fn number_cells_read_as_excel_shows_them() {
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(0.000001), "0.000001");
        assert_eq!(number_text(2026.0), "2026");
        assert_eq!(number_text(123456789.12), "123456789.12");
    }
}
