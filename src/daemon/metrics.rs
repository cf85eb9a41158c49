//! Prometheus text exposition for `/metrics`.

/// Builds Prometheus text exposition, one metric family at a time.
#[derive(Default)]
pub(super) struct Exposition(String);

impl Exposition {
    pub(super) fn family(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        samples: &[(&str, f64)],
    ) -> &mut Self {
        self.0 += &format!("# HELP {name} {help}\n# TYPE {name} {kind}\n");
        for (labels, value) in samples {
            if labels.is_empty() {
                self.0 += &format!("{name} {value}\n");
            } else {
                self.0 += &format!("{name}{{{labels}}} {value}\n");
            }
        }
        self
    }

    pub(super) fn finish(self) -> String {
        self.0
    }
}
