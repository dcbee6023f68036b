//! Statements built once per shape. A rollup's SQL depends on a few choices — the
//! dimensions grouped by, whether the region is a county or finer, whether a past day is
//! asked — and on values that change with every request: the year, the region, the day.
//! Building it with sea-query for each request (an expression tree, its text and values,
//! then freeing the tree) cost a county's rollup a quarter of the server's instructions,
//! more than reading its rows. Here the statement is built once per shape and database,
//! each request value a numbered parameter that records which input it stands for; a
//! request copies the text and binds its own values in that order.
//!
//! The builder is given the shape and a [`Binder`], never the request's values, so a
//! text cannot depend on anything but the shape. Shapes must be few (a handful of flags
//! and a set of dimensions): they are kept for the life of the process.
use sea_orm::sea_query::{Expr, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder};
use sea_orm::{DbBackend, DbErr, Statement, Value};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

/// What a parameter looks like in the text sea-query writes, before it is numbered the
/// way the database wants (`$n` or `?n`): `{#n}`, which no SQL of ours holds otherwise.
const OPEN: &str = "{#";
const CLOSE: char = '}';

/// Hands out a statement's parameters by input: each input is one numbered parameter,
/// however many times the statement uses it.
pub struct Binder<I> {
    inputs: Vec<I>,
}

impl<I: Copy + PartialEq> Binder<I> {
    /// The parameter that stands for `input`.
    pub fn bind(&mut self, input: I) -> Expr {
        let n = match self.inputs.iter().position(|i| *i == input) {
            Some(i) => i + 1,
            None => {
                self.inputs.push(input);
                self.inputs.len()
            }
        };
        Expr::cust(format!("{OPEN}{n}{CLOSE}"))
    }
}

/// A shape's statement: its text for one database, and the input of each parameter.
struct Built<I> {
    sql: String,
    inputs: Vec<I>,
}

/// The statements of one kind (the rollups, say), by shape; PostgreSQL's and SQLite's
/// texts apart.
pub struct Shapes<S, I> {
    postgres: RwLock<HashMap<S, Arc<Built<I>>>>,
    sqlite: RwLock<HashMap<S, Arc<Built<I>>>>,
}

impl<S: Hash + Eq + Clone, I: Copy + PartialEq> Default for Shapes<S, I> {
    fn default() -> Self {
        Shapes {
            postgres: RwLock::new(HashMap::new()),
            sqlite: RwLock::new(HashMap::new()),
        }
    }
}

impl<S: Hash + Eq + Clone, I: Copy + PartialEq> Shapes<S, I> {
    /// The statement of `shape` on `backend`, `build` called the first time only, with the
    /// value of each parameter's input from `value`.
    pub fn statement<E: From<DbErr>>(
        &self,
        backend: DbBackend,
        shape: &S,
        build: impl FnOnce(&S, &mut Binder<I>) -> Result<SelectStatement, E>,
        value: impl Fn(I) -> Value,
    ) -> Result<Statement, E> {
        let slot = match backend {
            DbBackend::Postgres => &self.postgres,
            DbBackend::Sqlite => &self.sqlite,
            other => {
                return Err(DbErr::Custom(format!("this statement needs PostgreSQL or SQLite, not {other:?}")).into());
            }
        };
        let known = slot.read().ok().and_then(|built| built.get(shape).cloned());
        let built = match known {
            Some(built) => built,
            None => {
                let mut binder = Binder { inputs: Vec::new() };
                let select = build(shape, &mut binder)?;
                let built = Arc::new(Built {
                    sql: number_parameters(backend, &render(backend, &select))?,
                    inputs: binder.inputs,
                });
                // Two requests may build the same shape at once; either text will do.
                if let Ok(mut texts) = slot.write() {
                    texts.insert(shape.clone(), built.clone());
                }
                built
            }
        };
        let values: Vec<Value> = built.inputs.iter().map(|input| value(*input)).collect();
        Ok(Statement::from_sql_and_values(backend, built.sql.clone(), values))
    }
}

/// `select`'s text with every value written in place: the only values left to bind are the
/// binder's parameters, which sea-query sees as text.
fn render(backend: DbBackend, select: &SelectStatement) -> String {
    match backend {
        DbBackend::Postgres => select.to_string(PostgresQueryBuilder),
        _ => select.to_string(SqliteQueryBuilder),
    }
}

/// `sql` with each `{#n}` written as the database's numbered parameter `n` (also for the
/// batch reads' texts, `rows::KeyedRead`).
pub fn number_parameters(backend: DbBackend, sql: &str) -> Result<String, DbErr> {
    let sigil = if backend == DbBackend::Postgres { '$' } else { '?' };
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let digits = after.find(CLOSE).map(|end| &after[..end]);
        match digits.filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
            Some(n) => {
                out.push(sigil);
                out.push_str(n);
                rest = &after[n.len() + 1..];
            }
            None => return Err(DbErr::Custom(format!("a parameter mark without its number in {sql}"))),
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, ExprTrait, Query};

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Input {
        Year,
        Code,
    }

    fn build(flag: &bool, p: &mut Binder<Input>) -> Result<SelectStatement, DbErr> {
        let mut select = Query::select();
        select
            .expr(Expr::val(1))
            .from(Alias::new("t"))
            .and_where(Expr::col(Alias::new("year")).eq(p.bind(Input::Year)))
            .and_where(Expr::col(Alias::new("kind")).eq("RECEIPT"));
        if *flag {
            select.and_where(Expr::col(Alias::new("code")).gte(p.bind(Input::Code)));
            select.and_where(Expr::col(Alias::new("code")).lt(p.bind(Input::Code)));
        }
        Ok(select)
    }

    fn assert_statement(statement: Statement, sql: &str, values: Vec<Value>) {
        assert_eq!(statement.sql, sql);
        assert_eq!(statement.values.map(|v| v.0), Some(values));
    }

    #[test]
    fn each_input_is_one_numbered_parameter_and_constants_are_written_in_place() {
        let shapes = Shapes::<bool, Input>::default();
        let value = |input| match input {
            Input::Year => Value::from(2026),
            Input::Code => Value::from("9901"),
        };
        assert_statement(
            shapes.statement(DbBackend::Postgres, &true, build, value).unwrap(),
            r#"SELECT 1 FROM "t" WHERE "year" = ($1) AND "kind" = 'RECEIPT' AND "code" >= ($2) AND "code" < ($2)"#,
            vec![Value::from(2026), Value::from("9901")],
        );
        assert_statement(
            shapes.statement(DbBackend::Sqlite, &false, build, value).unwrap(),
            r#"SELECT 1 FROM "t" WHERE "year" = (?1) AND "kind" = 'RECEIPT'"#,
            vec![Value::from(2026)],
        );
    }

    #[test]
    fn a_shape_is_built_once_and_its_text_kept() {
        let shapes = Shapes::<bool, Input>::default();
        let value = |_| Value::from(7);
        shapes.statement(DbBackend::Postgres, &false, build, value).unwrap();
        let again = shapes
            .statement(
                DbBackend::Postgres,
                &false,
                |_, _| Err(DbErr::Custom("built twice".into())),
                value,
            )
            .unwrap();
        assert_statement(
            again,
            r#"SELECT 1 FROM "t" WHERE "year" = ($1) AND "kind" = 'RECEIPT'"#,
            vec![Value::from(7)],
        );
    }

    #[test]
    fn a_mark_without_a_number_is_an_error_not_a_statement() {
        assert!(number_parameters(DbBackend::Postgres, "SELECT {#x}").is_err());
        assert!(number_parameters(DbBackend::Postgres, "SELECT {#").is_err());
        assert_eq!(number_parameters(DbBackend::Sqlite, "a {#12} b").unwrap(), "a ?12 b");
    }
}
