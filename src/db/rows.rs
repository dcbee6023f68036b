//! Rows read by column position, for the reads every page makes (a page of projects, their
//! villages, regions and departments, a project's ledger, events and reports, the user).
//!
//! sea-orm decodes a model by column name: each cell is found by hashing its name, and
//! each NULL is first an error whose text is formatted and then thrown away. On a page of
//! 100 projects that is a tenth of the server's CPU. Here a model's columns are listed
//! once, in the order the query selects them (the select is built from that same list, so
//! the two cannot disagree), and each cell is read by its index as `Option<T>` directly.
//! Listing every field of the model is checked by the compiler: a struct literal that
//! misses one does not build.
//!
//! sqlx also checks each cell's type against the Rust type, and for text that check costs
//! more than the decoding (it compares the column's type with five text types, one of them
//! by name): a quarter of the instructions of a project with its 130 ledger entries.
//! PostgreSQL describes a result's column types once for all its rows, so reading the
//! first row checks each column's declared type and the rest are read without the check.
//! (SQLite types each value on its own: every cell there is checked.)
//!
//! What it gains (docs/performance.md, 2026-12-03). Against sea-orm's decoding by name
//! (`FromQueryResult`): a project in full 13 % more requests a second on PostgreSQL and 13 %
//! fewer server instructions on SQLite, a page of 100 projects 8 % fewer. The binary reads
//! and the unchecked later rows, against sqlx's checked decoding of every cell, on
//! PostgreSQL: the province by county 14 % more requests a second, a page and a project in
//! full 10 %.
//!
//! The statements' texts are written once, not built anew for each query: the list of
//! columns once per model (`ByPosition::select_list`), and the batch reads of a page —
//! rows whose key is one of a set of keys — once per backend (`KeyedRead`), with the keys
//! in one parameter instead of one parameter per key. Building a 30-column select and a
//! 100-key `IN` list with sea-query cost a page of 100 projects a tenth of its instructions,
//! and a project with its history more than that.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{ArrayType, Expr};
use sea_orm::sqlx::postgres::PgValueFormat;
use sea_orm::sqlx::{Column as _, Decode, Postgres, Row as _, Sqlite, Type, TypeInfo as _, ValueRef as _};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait, QueryResult, QuerySelect, QueryTrait, Select,
    Statement, Value,
};
use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::OnceLock;

/// A model read by position; see `by_position!`.
pub trait ByPosition: Sized + Send + Sync {
    type Entity: EntityTrait<Model = Self>;
    /// Column names, in the order `decode` reads them.
    const COLUMNS: &'static [&'static str];
    fn decode(cells: &mut Cells<'_>) -> Result<Self, DbErr>;
    /// `"table"."column", …` for `COLUMNS`, written once.
    fn select_list() -> &'static str;
}

/// `"table"."column", …` (both backends quote names alike).
fn write_select_list<M: ByPosition>() -> String {
    let table = M::Entity::default().table_name().to_owned();
    M::COLUMNS
        .iter()
        .map(|c| format!("\"{table}\".\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column's Rust type, as read by position.
///
/// PostgreSQL sends result cells in its binary format, which for the types the models
/// use is plain: big-endian integers, UTF-8 text, dates and times as days and microseconds
/// since 2000-01-01. They are read here from those bytes; sqlx's decoders cost several
/// times as much for a number and ten times as much for a timestamp (chrono's calendar
/// arithmetic), a third of all the decoding of a page of projects. The column's declared
/// type is checked against sqlx's `compatible` first (see `Cells::cell`), so only the
/// formats of the types below can reach these readers.
pub trait Cell:
    Sized + for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
    /// The value of a cell in PostgreSQL's binary format (`None`: NULL).
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String>;
}

/// The bytes of a cell that cannot be NULL.
fn not_null(bytes: Option<&[u8]>) -> Result<&[u8], String> {
    bytes.ok_or_else(|| "NULL in a column the model requires".to_string())
}

/// A fixed-width big-endian value.
fn fixed<const N: usize>(bytes: Option<&[u8]>) -> Result<[u8; N], String> {
    let bytes = not_null(bytes)?;
    bytes
        .try_into()
        .map_err(|_| format!("{} bytes where {N} were expected", bytes.len()))
}

/// PostgreSQL's epoch, 2000-01-01, in days from the common era and in Unix microseconds.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

impl Cell for i32 {
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        fixed(bytes).map(i32::from_be_bytes)
    }
}

impl Cell for i64 {
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        fixed(bytes).map(i64::from_be_bytes)
    }
}

impl Cell for bool {
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        fixed::<1>(bytes).map(|[b]| b != 0)
    }
}

impl Cell for String {
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        String::from_utf8(not_null(bytes)?.to_vec()).map_err(|e| e.to_string())
    }
}

impl Cell for NaiveDate {
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        let days = fixed(bytes).map(i32::from_be_bytes)?;
        days.checked_add(PG_EPOCH_DAYS_FROM_CE)
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| format!("date {days} days from 2000-01-01 is out of range"))
    }
}

impl Cell for DateTime<Utc> {
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        let micros = fixed(bytes).map(i64::from_be_bytes)?;
        micros
            .checked_add(PG_EPOCH_UNIX_MICROS)
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(|| format!("time {micros} µs from 2000-01-01 is out of range"))
    }
}

impl<T: Cell> Cell for Option<T>
where
    Option<T>: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
{
    fn from_binary(bytes: Option<&[u8]>) -> Result<Self, String> {
        bytes.map(|b| T::from_binary(Some(b))).transpose()
    }
}

/// The cells of one row, read left to right.
pub struct Cells<'a> {
    row: &'a QueryResult,
    next: usize,
    /// Whether to check the types (the first row of a PostgreSQL result, and SQLite).
    checked: bool,
}

impl Cells<'_> {
    /// The next cell, as `T` (`Option<T>` for a nullable column).
    pub fn cell<T: Cell>(&mut self) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        let cell = if let Some(row) = self.row.try_as_pg_row() {
            if self.checked {
                // The column's declared type, not the value's: a NULL in the first row
                // leaves the column checked all the same.
                let declared = row.columns().get(index).map(|c| c.type_info());
                match declared {
                    Some(declared) if <T as Type<Postgres>>::compatible(declared) => {}
                    Some(declared) => {
                        return Err(DbErr::Type(format!(
                            "column {index} is {} in the database, not what the model reads",
                            declared.name()
                        )));
                    }
                    None => return Err(DbErr::Type(format!("the result has no column {index}"))),
                }
            }
            let value = row
                .try_get_raw(index)
                .map_err(|e| DbErr::Type(format!("column {index}: {e}")))?;
            if value.format() == PgValueFormat::Binary {
                let bytes = if value.is_null() { None } else { value.as_bytes().ok() };
                return T::from_binary(bytes).map_err(|e| DbErr::Type(format!("column {index}: {e}")));
            }
            row.try_get_unchecked::<T, _>(index)
        } else if let Some(row) = self.row.try_as_sqlite_row() {
            row.try_get::<T, _>(index)
        } else {
            return Err(DbErr::Type("rows by position need PostgreSQL or SQLite".into()));
        };
        cell.map_err(|e| DbErr::Type(format!("column {index}: {e}")))
    }
}

/// `select` with exactly `M`'s columns, in `M`'s order.
fn positional<M: ByPosition>(select: Select<M::Entity>) -> Select<M::Entity> {
    select.select_only().expr(Expr::cust(M::select_list()))
}

/// Decodes the rows of one result (its columns `M::COLUMNS`), checking the types of the
/// first.
pub fn decode_all<M: ByPosition>(rows: &[QueryResult]) -> Result<Vec<M>, DbErr> {
    decode_rows(rows, M::decode)
}

/// Decodes the rows of one result with `decode`, which reads each row's cells in the order
/// they were selected; the types of the first row are checked.
pub fn decode_rows<T>(
    rows: &[QueryResult],
    decode: impl Fn(&mut Cells<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    // Sized up front: collecting `Result`s would grow the vector by doubling, copying
    // models of a few hundred bytes each time.
    let mut decoded = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        decoded.push(decode(&mut Cells {
            row,
            next: 0,
            checked: i == 0 || row.try_as_pg_row().is_none(),
        })?);
    }
    Ok(decoded)
}

/// `keys` without repeats, in no particular order: the keys of a batch read.
pub fn distinct<K: Hash + Eq>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    keys.into_iter()
        .collect::<std::collections::HashSet<K>>()
        .into_iter()
        .collect()
}

/// The rows of a batch read under the keys they belong to, in their order. Every key
/// asked about gets an answer, empty or not, so that a caching loader does not ask again
/// for the ones with nothing. `part` gives a row's key and what is kept of it (`None`: the
/// row is kept under no key).
pub fn group_by<K, R, V>(keys: &[K], rows: Vec<R>, part: impl Fn(R) -> Option<(K, V)>) -> HashMap<K, Vec<V>>
where
    K: Copy + Eq + Hash,
{
    // One key (a project's whole history): its rows go into one vector sized once,
    // rather than one grown row by row.
    if let [only] = keys {
        let mut values = Vec::with_capacity(rows.len());
        values.extend(
            rows.into_iter()
                .filter_map(&part)
                .filter(|(k, _)| k == only)
                .map(|(_, v)| v),
        );
        return HashMap::from([(*only, values)]);
    }
    let mut grouped: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for (k, v) in rows.into_iter().filter_map(part) {
        grouped.entry(k).or_default().push(v);
    }
    grouped
}

/// Every row of `select` (a plain `Entity::find()` with filters and order).
pub async fn all<E, C>(select: Select<E>, db: &C) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ByPosition<Entity = E>,
    C: ConnectionTrait,
{
    let query = positional::<E::Model>(select).into_query();
    decode_all(&db.query_all(&query).await?)
}

/// The first row of `select`, if any.
pub async fn one<E, C>(select: Select<E>, db: &C) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ByPosition<Entity = E>,
    C: ConnectionTrait,
{
    let query = positional::<E::Model>(select).limit(1).into_query();
    let row = db.query_one(&query).await?;
    Ok(decode_all(row.as_slice())?.pop())
}

/// A key of a batch read: a row id or a region code.
pub trait Key: serde::Serialize + Sync + Sized {
    /// The PostgreSQL array type of a set of such keys.
    const ARRAY: ArrayType;

    fn value(&self) -> Value;

    /// The keys as one PostgreSQL array.
    fn array(keys: &[Self]) -> Value {
        Value::Array(Self::ARRAY, Some(Box::new(keys.iter().map(Key::value).collect())))
    }
}

impl Key for i64 {
    const ARRAY: ArrayType = ArrayType::BigInt;

    fn value(&self) -> Value {
        Value::from(*self)
    }
}

impl Key for String {
    const ARRAY: ArrayType = ArrayType::String;

    fn value(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// One of the batch reads a page makes: the rows of `M` whose key is one of a set of keys.
/// Its text is written once per backend, and the whole set of keys is its first parameter,
/// so the text is the same for any number of keys.
///
/// `filter` is the `WHERE` clause: `{in_keys}` stands for the test of a column against
/// the keys (PostgreSQL `= ANY($1)`, an array; SQLite `IN (SELECT value FROM
/// json_each(?1))`, a JSON array), `{#2}`, `{#3}`… for further parameters.
///
/// `{in_keys}` suits a column PostgreSQL looks up in an index. For a table it reads
/// whole (the regions of a county: a few hundred rows), `{in_key_set}` is the better test
/// (`IN (SELECT unnest($1))`): PostgreSQL hashes the set, where with `= ANY($1)` it would
/// compare each row with each key (the reused plan of a statement has no hashed array:
/// 0.4 ms instead of 0.1 for a page's 200 villages).
///
/// A single key is tested with `= $1` instead: for one key PostgreSQL plans `= ANY($1)`
/// anew at each execution (its generic plan looks dearer than a custom one), which for
/// one project's history cost more than running the query.
pub struct KeyedRead<M> {
    filter: &'static str,
    /// `ORDER BY …`, or empty.
    order: &'static str,
    /// PostgreSQL one key, many keys; SQLite one key, many keys.
    texts: [OnceLock<String>; 4],
    model: PhantomData<fn() -> M>,
}

impl<M: ByPosition> KeyedRead<M> {
    pub const fn new(filter: &'static str, order: &'static str) -> Self {
        KeyedRead {
            filter,
            order,
            texts: [const { OnceLock::new() }; 4],
            model: PhantomData,
        }
    }

    /// The statement's text for `backend`, for one key or for many.
    pub fn text(&self, backend: DbBackend, one: bool) -> Result<&str, DbErr> {
        // Parameters are marked `{#n}` and numbered the database's way by `statements`.
        let (slot, in_keys, in_key_set) = match (backend, one) {
            (DbBackend::Postgres, true) => (&self.texts[0], "= {#1}", "= {#1}"),
            (DbBackend::Postgres, false) => (&self.texts[1], "= ANY({#1})", "IN (SELECT unnest({#1}))"),
            (DbBackend::Sqlite, true) => (&self.texts[2], "= {#1}", "= {#1}"),
            (DbBackend::Sqlite, false) => {
                let set = "IN (SELECT value FROM json_each({#1}))";
                (&self.texts[3], set, set)
            }
            (other, _) => {
                return Err(DbErr::Custom(format!(
                    "batch reads need PostgreSQL or SQLite, not {other:?}"
                )));
            }
        };
        if let Some(text) = slot.get() {
            return Ok(text);
        }
        let filter = self
            .filter
            .replace("{in_keys}", in_keys)
            .replace("{in_key_set}", in_key_set);
        let table = M::Entity::default().table_name().to_owned();
        let text = format!(
            "SELECT {} FROM \"{table}\" WHERE {filter} {}",
            M::select_list(),
            self.order
        );
        let text = super::statements::number_parameters(backend, text.trim_end())?;
        Ok(slot.get_or_init(|| text))
    }

    /// The rows for `keys`; `more` are the parameters `{#2}`, `{#3}`… of the filter.
    pub async fn all<K, C>(&self, db: &C, keys: &[K], more: impl IntoIterator<Item = Value>) -> Result<Vec<M>, DbErr>
    where
        K: Key,
        C: ConnectionTrait,
    {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let backend = db.get_database_backend();
        let one = keys.len() == 1;
        let keys = match (backend, keys) {
            (_, [key]) => key.value(),
            (DbBackend::Postgres, _) => K::array(keys),
            _ => Value::from(serde_json::to_string(keys).map_err(|e| DbErr::Custom(e.to_string()))?),
        };
        let values = std::iter::once(keys).chain(more);
        let statement = Statement::from_sql_and_values(backend, self.text(backend, one)?, values);
        decode_all(&db.query_all_raw(statement).await?)
    }
}

/// Lists a model's fields (= its columns) for reading by position.
macro_rules! by_position {
    ($($table:ident { $($field:ident),+ $(,)? })+) => {$(
        impl ByPosition for entity::$table::Model {
            type Entity = entity::$table::Entity;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];
            fn decode(cells: &mut Cells<'_>) -> Result<Self, DbErr> {
                Ok(Self { $($field: cells.cell()?),+ })
            }
            fn select_list() -> &'static str {
                static LIST: OnceLock<String> = OnceLock::new();
                LIST.get_or_init(write_select_list::<Self>)
            }
        }
    )+};
}

by_position! {
    project {
        id, county_code, code, name, sector, category, year, township_code, construction_nature, content,
        planned_quantity_milli, budget_fen, beneficiary_households, beneficiary_people, poor_households,
        poor_people, performance_targets, department_id, claim_deadline, planned_start, planned_finish,
        actual_start, actual_finish, final_quantity_milli, acceptance_grade, status, version, allocated_fen,
        disbursed_fen, created_at, updated_at,
    }
    project_village { project_id, village_code }
    region { code, name, level, parent_code, is_poverty_village, poor_households, poor_people, created_at, updated_at }
    department { id, county_code, name, kind, sectors, created_at, updated_at }
    fund_line { id, county_code, year, name, kind, level, planned_fen, poverty_targeted, created_at, updated_at }
    ledger_entry {
        id, kind, fund_line_id, county_code, year, entry_date, entry_month, amount_fen, project_id,
        township_code, sector, allocation_id, document_no, is_retention, reverses_id, outside_plan, note,
        recorded_by, recorded_at,
    }
    project_event {
        id, project_id, action, from_status, to_status, actor_id, actor_username, actor_role, occurred_at,
        comment, event_date, happened_on, milestone, grade, department_id, quantity_milli,
    }
    progress_report {
        id, project_id, based_on_version, completed_quantity_milli, invested_fen, reported_on, note,
        is_correction, reported_by, recorded_at,
    }
    app_user { id, username, display_name, password_hash, role, region_code, department_id, disabled, created_at, updated_at }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    #[test]
    fn grouped_rows_keep_their_order_and_every_key_gets_an_answer() {
        let rows = vec![(1, "a"), (2, "b"), (1, "c"), (0, "unkeyed")];
        let part = |(k, v): (i64, &'static str)| (k != 0).then_some((k, v));
        let grouped = group_by(&[1, 2, 3], rows.clone(), part);
        assert_eq!(grouped.len(), 3);
        assert_eq!(grouped[&1], ["a", "c"]);
        assert_eq!(grouped[&2], ["b"]);
        assert!(grouped[&3].is_empty());
        // One key takes only its own rows.
        let one = group_by(&[1], rows, part);
        assert_eq!(one.len(), 1);
        assert_eq!(one[&1], ["a", "c"]);
        assert!(group_by(&[9], Vec::new(), part)[&9].is_empty());
    }

    fn selects_every_column<M: ByPosition>() {
        let select = positional::<M>(M::Entity::find());
        let by_name = M::Entity::find().build(DbBackend::Postgres).to_string();
        let by_position = select.build(DbBackend::Postgres).to_string();
        assert_eq!(by_position, by_name, "the listed columns are the model's, in its order");
    }

    #[test]
    fn postgres_binary_cells_read_as_postgres_writes_them() {
        assert_eq!(i32::from_binary(Some(&(-7i32).to_be_bytes())), Ok(-7));
        assert_eq!(
            i64::from_binary(Some(&1_234_567_890_123i64.to_be_bytes())),
            Ok(1_234_567_890_123)
        );
        assert_eq!(bool::from_binary(Some(&[1])), Ok(true));
        assert_eq!(bool::from_binary(Some(&[0])), Ok(false));
        assert_eq!(String::from_binary(Some("贫困村".as_bytes())), Ok("贫困村".to_string()));
        assert!(String::from_binary(Some(&[0xff, 0xfe])).is_err(), "not UTF-8");
        assert!(i64::from_binary(Some(&[0, 1, 2, 3])).is_err(), "an int4 is not an int8");
        assert!(i64::from_binary(None).is_err(), "NULL where the model has no Option");
        assert_eq!(Option::<i64>::from_binary(None), Ok(None));
        assert_eq!(Option::<i64>::from_binary(Some(&5i64.to_be_bytes())), Ok(Some(5)));
        // Dates: days since 2000-01-01.
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert_eq!(NaiveDate::from_binary(Some(&0i32.to_be_bytes())), Ok(epoch));
        assert_eq!(
            NaiveDate::from_binary(Some(&(-1i32).to_be_bytes())),
            Ok(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap())
        );
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let days = (day - epoch).num_days() as i32;
        assert_eq!(NaiveDate::from_binary(Some(&days.to_be_bytes())), Ok(day));
        assert!(
            NaiveDate::from_binary(Some(&i32::MAX.to_be_bytes())).is_err(),
            "out of range"
        );
        // Timestamps: microseconds since 2000-01-01 00:00 UTC.
        let at = "2026-11-29T08:30:15.123456Z".parse::<DateTime<Utc>>().unwrap();
        let epoch = "2000-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let micros = (at - epoch).num_microseconds().unwrap();
        assert_eq!(DateTime::<Utc>::from_binary(Some(&micros.to_be_bytes())), Ok(at));
        assert_eq!(DateTime::<Utc>::from_binary(Some(&0i64.to_be_bytes())), Ok(epoch));
        assert!(
            DateTime::<Utc>::from_binary(Some(&i64::MAX.to_be_bytes())).is_err(),
            "infinity"
        );
    }

    #[test]
    fn a_batch_read_takes_its_keys_in_one_parameter_on_each_backend() {
        let read: KeyedRead<entity::ledger_entry::Model> =
            KeyedRead::new(r#""project_id" {in_keys} AND "kind" = {#2}"#, r#"ORDER BY "id""#);
        let columns = entity::ledger_entry::Model::select_list();
        assert!(columns.starts_with(r#""ledger_entry"."id", "ledger_entry"."kind""#));
        let text = |filter: &str| format!(r#"SELECT {columns} FROM "ledger_entry" WHERE {filter} ORDER BY "id""#);
        assert_eq!(
            read.text(DbBackend::Postgres, false).unwrap(),
            text(r#""project_id" = ANY($1) AND "kind" = $2"#)
        );
        assert_eq!(
            read.text(DbBackend::Postgres, true).unwrap(),
            text(r#""project_id" = $1 AND "kind" = $2"#)
        );
        assert_eq!(
            read.text(DbBackend::Sqlite, false).unwrap(),
            text(r#""project_id" IN (SELECT value FROM json_each(?1)) AND "kind" = ?2"#)
        );
        assert_eq!(
            read.text(DbBackend::Sqlite, true).unwrap(),
            text(r#""project_id" = ?1 AND "kind" = ?2"#)
        );
        assert!(read.text(DbBackend::MySql, false).is_err());
        let regions: KeyedRead<entity::region::Model> = KeyedRead::new(r#""code" {in_key_set}"#, "");
        assert!(
            regions
                .text(DbBackend::Postgres, false)
                .unwrap()
                .ends_with(r#"WHERE "code" IN (SELECT unnest($1))"#)
        );
        assert!(
            regions
                .text(DbBackend::Postgres, true)
                .unwrap()
                .ends_with(r#"WHERE "code" = $1"#)
        );
    }

    #[test]
    fn each_listed_model_selects_its_columns_in_order() {
        selects_every_column::<entity::project::Model>();
        selects_every_column::<entity::project_village::Model>();
        selects_every_column::<entity::region::Model>();
        selects_every_column::<entity::department::Model>();
        selects_every_column::<entity::fund_line::Model>();
        selects_every_column::<entity::ledger_entry::Model>();
        selects_every_column::<entity::project_event::Model>();
        selects_every_column::<entity::progress_report::Model>();
        selects_every_column::<entity::app_user::Model>();
    }
}
