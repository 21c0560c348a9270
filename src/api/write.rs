//! Writes: each write method runs in one transaction, and nothing stays
//! half-written when a step fails.
//!
//! Where the database cannot roll back (MyISAM tables, which OpenCart 3
//! creates; MySQL reports it as warning 1196 on ROLLBACK), each step that
//! has an `<step>.undo.sql` beside it in the platform folder is undone by
//! hand, in reverse order, with the values read before the write
//! (`:old_<column>`) and the id the step inserted (`:inserted_id`). A step
//! without an undo file on such a database makes the failure say so.

use super::{ApiError, Binds, Context};
use crate::db::{DbError, Outcome, Rollback, Value};

/// The steps of one write, inside its transaction.
pub struct Writer<'c, 'a> {
    pub cx: &'c mut Context<'a>,
    /// (undo SQL, its values), in the order the steps ran.
    undo: Vec<(String, Vec<Value>)>,
    /// Steps that ran and have no undo file.
    irreversible: Vec<String>,
}

/// Runs `work` in a transaction: commit when it succeeds, roll back (and
/// undo by hand what the database could not) when it fails.
pub fn transaction<T>(
    cx: &mut Context<'_>,
    work: impl FnOnce(&mut Writer<'_, '_>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    cx.db()?.begin(false)?;
    let mut writer = Writer {
        cx,
        undo: Vec::new(),
        irreversible: Vec::new(),
    };
    let result = work(&mut writer);
    let Writer {
        cx,
        undo,
        irreversible,
    } = writer;
    let error = match result {
        Ok(value) => match cx.db()?.commit() {
            Ok(()) => return Ok(value),
            Err(e) => ApiError::from(e),
        },
        Err(error) => error,
    };
    Err(roll_back(cx, undo, irreversible, error))
}

fn roll_back(
    cx: &mut Context<'_>,
    undo: Vec<(String, Vec<Value>)>,
    irreversible: Vec<String>,
    error: ApiError,
) -> ApiError {
    let db = match cx.db() {
        Ok(db) => db,
        Err(e) => return e,
    };
    match db.rollback() {
        Ok(Rollback::Complete) => error,
        Ok(Rollback::Partial) => {
            for (sql, values) in undo.iter().rev() {
                if let Err(e) = db.execute(sql, values) {
                    return ApiError::new(
                        500,
                        format!(
                            "{}; undoing its first steps failed too ({e}): check the record in the shop's admin",
                            error.message
                        ),
                    );
                }
            }
            if irreversible.is_empty() {
                error
            } else {
                ApiError::new(
                    500,
                    format!(
                        "{}; the shop's tables cannot roll back and these steps could not be undone: {}",
                        error.message,
                        irreversible.join(", ")
                    ),
                )
            }
        }
        // The connection is gone, and the uncommitted transaction with it:
        // the server rolls it back itself. Only tables without
        // transactions keep the steps that ran, and nothing can undo them
        // over a dead connection. The database being away is a 503.
        Err(DbError::Connect(_)) if undo.is_empty() && irreversible.is_empty() => {
            ApiError::new(503, error.message)
        }
        Err(DbError::Connect(lost)) => ApiError::new(
            503,
            format!(
                "{}; the connection to the shop's database was lost before the write was committed ({lost}), so the database dropped it, except in tables without transactions (MyISAM): check the record before retrying",
                error.message
            ),
        ),
        Err(e) => ApiError::new(
            500,
            format!("{}; rolling back failed too: {e}", error.message),
        ),
    }
}

impl Writer<'_, '_> {
    /// Reads the first row of the platform's `name` query as named values.
    pub fn read(
        &mut self,
        name: &str,
        binds: &Binds,
    ) -> Result<Option<Vec<(String, Value)>>, ApiError> {
        let sql = self.cx.sql(name)?;
        let (sql, values) = binds.bind(&sql);
        let mut found = None;
        self.cx.db()?.run(&sql, &values, &mut |columns, row| {
            if found.is_none() {
                found = Some(
                    columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| (c.name.clone(), v.clone()))
                        .collect(),
                );
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// Runs the platform's `name` statement and records how to undo it.
    pub fn step(&mut self, name: &str, binds: &Binds) -> Result<Outcome, ApiError> {
        let sql = self.cx.sql(name)?;
        self.run_step(name, &sql, binds)
    }

    /// Runs `name` when the platform has it (a side table only some
    /// schemas keep).
    pub fn optional_step(
        &mut self,
        name: &str,
        binds: &Binds,
    ) -> Result<Option<Outcome>, ApiError> {
        match self.cx.try_sql(name)? {
            Some(sql) => self.run_step(name, &sql, binds).map(Some),
            None => Ok(None),
        }
    }

    /// A step file may hold several statements, each ending with `;` at
    /// the end of a line; they run in order and count as one step.
    fn run_step(&mut self, name: &str, sql: &str, binds: &Binds) -> Result<Outcome, ApiError> {
        let mut outcome = Outcome::default();
        for statement in statements(sql) {
            let (bound, values) = binds.bind(statement);
            let ran = self.cx.db()?.execute(&bound, &values)?;
            outcome.affected_rows += ran.affected_rows;
            if ran.insert_id != 0 {
                outcome.insert_id = ran.insert_id;
            }
        }
        match self.cx.try_sql(&format!("{name}.undo"))? {
            Some(undo) => {
                let mut binds = binds.clone();
                binds.set("inserted_id", Value::UInt(outcome.insert_id));
                self.undo.push(binds.bind(&undo));
            }
            None => self.irreversible.push(name.to_string()),
        }
        Ok(outcome)
    }
}

/// The statements of a step file: split after each line that ends with `;`
/// (outside a comment), so a `;` inside a string or mid-line never splits.
fn statements(sql: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in sql.split_inclusive('\n') {
        offset += line.len();
        let code = line.trim_end();
        if code.ends_with(';') && !code.trim_start().starts_with("--") {
            parts.push(&sql[start..offset]);
            start = offset;
        }
    }
    parts.push(&sql[start..]);
    parts
        .into_iter()
        .map(|s| s.trim().trim_end_matches(';').trim_end())
        .filter(|s| {
            s.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
        })
        .collect()
}

/// Binds `:old_<column>` for each value read before a write.
pub fn remember(binds: &mut Binds, before: &[(String, Value)]) {
    for (name, value) in before {
        binds.set(&format!("old_{name}"), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn a_step_file_splits_at_line_ending_semicolons_only() {
        let sql = "-- note;\nUPDATE a SET b = 'x;y'\nWHERE c = 1;\n\nINSERT INTO d VALUES (1);\n-- trailing\n";
        assert_eq!(
            statements(sql),
            vec![
                "-- note;\nUPDATE a SET b = 'x;y'\nWHERE c = 1",
                "INSERT INTO d VALUES (1)"
            ]
        );
        assert_eq!(statements("SELECT 1"), vec!["SELECT 1"]);
    }
}
