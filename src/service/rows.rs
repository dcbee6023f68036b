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
use sea_orm::sqlx::{Column as _, Decode, Postgres, Row as _, Sqlite, Type, TypeInfo as _};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryResult, QuerySelect, QueryTrait, Select};
use std::str::FromStr;

/// A model read by position; see `by_position!`.
pub trait ByPosition: Sized + Send + Sync {
    type Entity: EntityTrait<Model = Self>;
    /// Column names, in the order `decode` reads them.
    const COLUMNS: &'static [&'static str];
    fn decode(cells: &mut Cells<'_>) -> Result<Self, DbErr>;
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
    pub fn cell<T>(&mut self) -> Result<T, DbErr>
    where
        T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
    {
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
fn positional<M: ByPosition>(select: Select<M::Entity>) -> Result<Select<M::Entity>, DbErr> {
    let mut columns = Vec::with_capacity(M::COLUMNS.len());
    for name in M::COLUMNS {
        columns.push(
            <<M::Entity as EntityTrait>::Column as FromStr>::from_str(name)
                .map_err(|_| DbErr::Type(format!("no column {name}")))?,
        );
    }
    Ok(select.select_only().columns(columns))
}

/// Decodes the rows of one result (its columns `M::COLUMNS`), checking the types of the
/// first.
pub fn decode_all<M: ByPosition>(rows: &[QueryResult]) -> Result<Vec<M>, DbErr> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            M::decode(&mut Cells {
                row,
                next: 0,
                checked: i == 0 || row.try_as_pg_row().is_none(),
            })
        })
        .collect()
}

/// Every row of `select` (a plain `Entity::find()` with filters and order).
pub async fn all<E, C>(select: Select<E>, db: &C) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ByPosition<Entity = E>,
    C: ConnectionTrait,
{
    let query = positional::<E::Model>(select)?.into_query();
    decode_all(&db.query_all(&query).await?)
}

/// The first row of `select`, if any.
pub async fn one<E, C>(select: Select<E>, db: &C) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ByPosition<Entity = E>,
    C: ConnectionTrait,
{
    let query = positional::<E::Model>(select)?.limit(1).into_query();
    let row = db.query_one(&query).await?;
    Ok(decode_all(row.as_slice())?.pop())
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
        }
    )+};
}

by_position! {
    project {
        id, county_code, code, name, sector, year, township_code, construction_nature, content,
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
        township_code, sector, allocation_id, document_no, is_retention, reverses_id, note, recorded_by,
        recorded_at,
    }
    project_event {
        id, project_id, action, from_status, to_status, actor_id, actor_username, actor_role, occurred_at,
        comment, event_date, milestone, grade, department_id, quantity_milli,
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

    fn selects_every_column<M: ByPosition>() {
        let select = positional::<M>(M::Entity::find()).expect("every listed name is a column");
        let by_name = M::Entity::find().build(DbBackend::Postgres).to_string();
        let by_position = select.build(DbBackend::Postgres).to_string();
        assert_eq!(by_position, by_name, "the listed columns are the model's, in its order");
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
