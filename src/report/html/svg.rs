//! A small typed SVG builder for the report's charts.
//!
//! No chart crate fits a report that must be one self-contained file,
//! legible in greyscale print and readable by a screen reader: they draw
//! with scripts, link fonts or style by colour alone. The charts here are
//! a handful of rectangles, lines and texts, so a builder of exactly those
//! shapes is smaller than any adapter. It writes through maud, so every
//! text is escaped; coordinates are written with one decimal, so the
//! bytes are deterministic. Fills are greys and hatching, never colour
//! alone.

use maud::{html, Markup};

/// A grey from black (0) to white (255).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grey(pub u8);

impl Grey {
    pub const BLACK: Grey = Grey(0x00);
    pub const DARK: Grey = Grey(0x33);
    pub const MID: Grey = Grey(0x80);
    pub const LIGHT: Grey = Grey(0xcc);
    pub const WHITE: Grey = Grey(0xff);

    fn css(self) -> String {
        format!("#{0:02x}{0:02x}{0:02x}", self.0)
    }
}

/// How a shape is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Solid(Grey),
    /// Diagonal hatching (a pattern declared in the chart's `defs`).
    Hatched,
}

/// Where a text is anchored horizontally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn css(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// One shape of a chart.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A rectangle with a tooltip (`<title>`) when `label` is given.
    Rect {
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        fill: Fill,
        label: Option<String>,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        stroke: Grey,
        width: f64,
        dashed: bool,
    },
    Text {
        x: f64,
        y: f64,
        anchor: Anchor,
        size: f64,
        bold: bool,
        text: String,
    },
}

/// A chart: its size in user units, its accessible name and description,
/// and its shapes in drawing order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Unique in the page: the hatching pattern's id derives from it.
    pub id: &'static str,
    pub width: f64,
    pub height: f64,
    pub title: String,
    pub description: String,
    pub shapes: Vec<Shape>,
}

/// A coordinate with one decimal: deterministic bytes.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

impl Chart {
    pub fn new(id: &'static str, width: f64, height: f64, title: String, description: String) -> Self {
        Chart { id, width, height, title, description, shapes: Vec::new() }
    }

    pub fn push(&mut self, shape: Shape) {
        self.shapes.push(shape);
    }

    pub fn text(&mut self, x: f64, y: f64, anchor: Anchor, size: f64, text: impl Into<String>) {
        self.push(Shape::Text { x, y, anchor, size, bold: false, text: text.into() });
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: Grey, width: f64) {
        self.push(Shape::Line { x1, y1, x2, y2, stroke, width, dashed: false });
    }

    fn hatch_id(&self) -> String {
        format!("{}-hatch", self.id)
    }

    pub fn render(&self) -> Markup {
        let title_id = format!("{}-title", self.id);
        let desc_id = format!("{}-desc", self.id);
        let hatch = self.hatch_id();
        html! {
            svg id=(self.id) class="chart" role="img"
                viewBox=(format!("0 0 {} {}", c(self.width), c(self.height)))
                aria-labelledby=(format!("{title_id} {desc_id}")) aria-label=(self.title) {
                title id=(title_id) { (self.title) }
                desc id=(desc_id) { (self.description) }
                defs {
                    pattern id=(hatch) width="6" height="6" patternUnits="userSpaceOnUse"
                        patternTransform="rotate(45)" {
                        rect width="6" height="6" fill=(Grey::WHITE.css()) {}
                        line x1="0" y1="0" x2="0" y2="6" stroke=(Grey::DARK.css()) stroke-width="2.5" {}
                    }
                }
                @for shape in &self.shapes {
                    (self.shape(shape))
                }
            }
        }
    }

    fn shape(&self, shape: &Shape) -> Markup {
        match shape {
            Shape::Rect { x, y, width, height, fill, label } => {
                let fill = match fill {
                    Fill::Solid(grey) => grey.css(),
                    Fill::Hatched => format!("url(#{})", self.hatch_id()),
                };
                html! {
                    rect x=(c(*x)) y=(c(*y)) width=(c(*width)) height=(c(*height)) fill=(fill)
                        stroke=(Grey::BLACK.css()) stroke-width="0.8" {
                        @if let Some(label) = label { title { (label) } }
                    }
                }
            }
            Shape::Line { x1, y1, x2, y2, stroke, width, dashed } => html! {
                line x1=(c(*x1)) y1=(c(*y1)) x2=(c(*x2)) y2=(c(*y2)) stroke=(stroke.css())
                    stroke-width=(c(*width)) stroke-dasharray=[dashed.then_some("4 3")] {}
            },
            Shape::Text { x, y, anchor, size, bold, text } => html! {
                text x=(c(*x)) y=(c(*y)) text-anchor=(anchor.css()) font-size=(c(*size))
                    font-weight=[bold.then_some("bold")] { (text) }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_its_accessible_name_and_escapes_text() {
        let mut chart = Chart::new("t", 100.0, 50.0, "Rates <&>".into(), "Two bars".into());
        chart.text(1.0, 2.0, Anchor::End, 10.0, "a<b");
        chart.push(Shape::Rect { x: 0.0, y: 0.0, width: 1.25, height: 2.0, fill: Fill::Hatched, label: None });
        let svg = chart.render().into_string();
        assert!(svg.contains(r#"role="img""#) && svg.contains(r#"aria-label="Rates &lt;&amp;&gt;""#), "{svg}");
        assert!(svg.contains("<title id=\"t-title\">Rates &lt;&amp;&gt;</title>"), "{svg}");
        assert!(svg.contains("a&lt;b</text>"), "{svg}");
        assert!(svg.contains(r#"width="1.2""#) || svg.contains(r#"width="1.3""#), "{svg}");
        assert!(svg.contains("url(#t-hatch)"), "{svg}");
    }
}
