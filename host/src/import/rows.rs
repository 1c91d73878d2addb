//! Rows read from an import file, each with where it stands in the file, and the problems met
//! reading them.

/// A place in a file, counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spot {
    pub line: usize,
    pub column: usize,
}

impl Spot {
    pub fn start() -> Self {
        Spot { line: 1, column: 1 }
    }
}

/// A row and where it starts.
#[derive(Clone, Debug)]
pub struct Located<T> {
    pub spot: Spot,
    pub value: T,
}

/// A row that could not be read: where, which field, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub spot: Spot,
    pub field: Option<&'static str>,
    pub message: String,
}

/// The rows of one set in a file.
#[derive(Clone, Debug)]
pub struct Rows<T> {
    pub rows: Vec<Located<T>>,
    pub problems: Vec<RowProblem>,
    /// The CSV header's columns, in order (empty for JSON).
    pub columns: Vec<String>,
    /// Nothing could be read (an unreadable header, JSON that does not parse): the set is
    /// not applied at all.
    pub failed: bool,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            problems: Vec::new(),
            columns: Vec::new(),
            failed: false,
        }
    }
}

impl<T> Rows<T> {
    /// The file cannot be read at all.
    pub fn fatal(&mut self, spot: Spot, field: Option<&'static str>, message: String) {
        self.failed = true;
        self.problems.push(RowProblem {
            spot,
            field,
            message,
        });
    }

    /// The column (from 1) a field is in (see [`column_of`]).
    pub fn column_of(&self, field: &str) -> Option<usize> {
        column_of(&self.columns, field)
    }
}

/// The column (from 1) of a CSV header that holds `field`: the column of that name, or of the
/// name the CSV formats give the field (the cross-check names fields as the JSON does).
pub fn column_of(columns: &[String], field: &str) -> Option<usize> {
    let csv_name = match field {
        "category" => "category_code",
        "time_limit" => "time_limit_value",
        other => other,
    };
    columns.iter().position(|c| c == csv_name).map(|i| i + 1)
}
