//! The printed report: Markdown sections, tables and notes, printed as they come, and every
//! budget's verdict again at the end. Optionally also written to a file (`--out`).

use std::fmt::Write as _;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let _ = writeln!(out, "|{}|", self.header.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out
    }
}

#[derive(Default)]
pub struct Report {
    text: String,
    budgets: Vec<(String, bool, String)>,
}

impl Report {
    fn emit(&mut self, s: &str) {
        print!("{s}");
        self.text.push_str(s);
    }

    pub fn line(&mut self, s: impl AsRef<str>) {
        self.emit(&format!("{}\n", s.as_ref()));
    }

    pub fn section(&mut self, title: &str) {
        self.emit(&format!("\n## {title}\n\n"));
    }

    pub fn subsection(&mut self, title: &str) {
        self.emit(&format!("\n### {title}\n\n"));
    }

    pub fn table(&mut self, table: Table) {
        // A table right after a list item would render as part of it.
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.emit("\n");
        }
        let md = table.markdown();
        self.emit(&md);
        self.emit("\n");
    }

    pub fn note(&mut self, note: impl AsRef<str>) {
        self.emit(&format!("- {}\n", note.as_ref()));
    }

    /// Records a budget's verdict (and prints it).
    pub fn budget(&mut self, name: &str, met: bool, detail: String) {
        self.emit(&format!("- **budget** {name}: **{}** ({detail})\n", if met { "met" } else { "MISSED" }));
        self.budgets.push((name.to_owned(), met, detail));
    }

    /// Prints every budget again; returns the whole report.
    pub fn finish(mut self) -> String {
        if !self.budgets.is_empty() {
            self.section("Budgets");
            let mut table = Table::new(&["budget", "verdict", "measured"]);
            for (name, met, detail) in self.budgets.clone() {
                table.row(vec![name, if met { "met".into() } else { "MISSED".into() }, detail]);
            }
            self.table(table);
        }
        self.text
    }
}
