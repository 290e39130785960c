//! The pixel rule form: the device signature the regions drawn are saved under, pre-filled
//! from the file. Each attribute can be turned off (then any value matches) or edited (a
//! model name shortened to what every version of the device shares, say); the rule gets a
//! name. Confirming makes a [`PixelRuleRon`] for the profile.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::dataset::text_of;
use crate::pixels::{DeviceSignature, PixelRuleRon, Region};

/// What a field of the form holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// The rule's name.
    Name,
    /// Modality (0008,0060).
    Modality,
    /// Manufacturer (0008,0070).
    Manufacturer,
    /// Manufacturer's Model Name (0008,1090).
    Model,
    /// Rows (0028,0010).
    Rows,
    /// Columns (0028,0011).
    Columns,
    /// SOP Class UID (0008,0016).
    SopClass,
}

impl FieldKind {
    /// How the form labels it.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Name => "Rule name",
            FieldKind::Modality => "Modality",
            FieldKind::Manufacturer => "Manufacturer",
            FieldKind::Model => "Manufacturer's Model Name",
            FieldKind::Rows => "Rows",
            FieldKind::Columns => "Columns",
            FieldKind::SopClass => "SOP Class UID",
        }
    }

    /// How the attribute is compared, in a few words.
    pub fn compared(self) -> &'static str {
        match self {
            FieldKind::Name => "",
            FieldKind::Modality | FieldKind::SopClass => "equals, any case",
            FieldKind::Manufacturer | FieldKind::Model => "contains, any case",
            FieldKind::Rows | FieldKind::Columns => "equals",
        }
    }

    fn tag(self) -> Option<Tag> {
        match self {
            FieldKind::Name => None,
            FieldKind::Modality => Some(tags::MODALITY),
            FieldKind::Manufacturer => Some(tags::MANUFACTURER),
            FieldKind::Model => Some(tags::MANUFACTURER_MODEL_NAME),
            FieldKind::Rows => Some(tags::ROWS),
            FieldKind::Columns => Some(tags::COLUMNS),
            FieldKind::SopClass => Some(tags::SOP_CLASS_UID),
        }
    }
}

/// One line of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// What it is.
    pub kind: FieldKind,
    /// Whether it is part of the signature (the name always is).
    pub on: bool,
    /// Its text.
    pub value: String,
}

/// The form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureForm {
    /// Its lines, the name first.
    pub fields: Vec<Field>,
    /// The line being edited.
    pub selected: usize,
    /// The regions the rule will hold.
    pub regions: Vec<Region>,
    /// Why the last confirmation was refused.
    pub error: Option<String>,
}

impl SignatureForm {
    /// A form for the regions drawn on a file, every attribute the file has turned on.
    pub fn for_file(obj: &InMemDicomObject, regions: Vec<Region>) -> SignatureForm {
        let kinds = [
            FieldKind::Modality,
            FieldKind::Manufacturer,
            FieldKind::Model,
            FieldKind::Rows,
            FieldKind::Columns,
            FieldKind::SopClass,
        ];
        let mut fields: Vec<Field> = kinds
            .iter()
            .map(|&kind| {
                // Control characters never reach the screen or the profile.
                let value = kind
                    .tag()
                    .and_then(|t| text_of(obj, t))
                    .map(|v| v.chars().filter(|c| !c.is_control()).collect::<String>())
                    .unwrap_or_default();
                Field {
                    kind,
                    on: !value.is_empty(),
                    value,
                }
            })
            .collect();
        let of = |kind: FieldKind| {
            fields
                .iter()
                .find(|f| f.kind == kind)
                .map_or("", |f| f.value.as_str())
        };
        let device = [of(FieldKind::Manufacturer), of(FieldKind::Model)]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let name = match (device.is_empty(), of(FieldKind::Columns), of(FieldKind::Rows)) {
            (false, c, r) if !c.is_empty() && !r.is_empty() => format!("{device} {c}x{r} burned-in text"),
            (false, _, _) => format!("{device} burned-in text"),
            _ => "burned-in text".to_string(),
        };
        fields.insert(
            0,
            Field {
                kind: FieldKind::Name,
                on: true,
                value: name,
            },
        );
        SignatureForm {
            fields,
            selected: 0,
            regions,
            error: None,
        }
    }

    /// The field being edited.
    pub fn current(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.selected)
    }

    /// Types a character into the field being edited (which turns it on).
    pub fn input(&mut self, c: char) {
        if c.is_control() {
            return;
        }
        if let Some(f) = self.current() {
            f.value.push(c);
            f.on = true;
        }
    }

    /// The rule the form describes, or why it cannot be one.
    pub fn rule(&self) -> Result<PixelRuleRon, String> {
        let mut signature = DeviceSignature::default();
        let mut name = String::new();
        for f in &self.fields {
            let value = f.value.trim().to_string();
            if f.kind == FieldKind::Name {
                name = value;
                continue;
            }
            if !f.on {
                continue;
            }
            if value.is_empty() {
                return Err(format!(
                    "{} is on but empty: type a value or Ctrl-t turns it off",
                    f.kind.label()
                ));
            }
            let count = |v: &str| {
                v.parse::<u32>()
                    .map_err(|_| format!("{} must be a whole number, not '{v}'", f.kind.label()))
            };
            match f.kind {
                FieldKind::Name => {}
                FieldKind::Modality => signature.modality = Some(value),
                FieldKind::Manufacturer => signature.manufacturer = Some(value),
                FieldKind::Model => signature.model = Some(value),
                FieldKind::Rows => signature.rows = Some(count(&value)?),
                FieldKind::Columns => signature.columns = Some(count(&value)?),
                FieldKind::SopClass => signature.sop_class = Some(value),
            }
        }
        if signature == DeviceSignature::default() {
            return Err("with every field off the rule would match every image: turn one on".into());
        }
        if self.regions.is_empty() {
            return Err("no region drawn: b or a mouse drag draws one".into());
        }
        Ok(PixelRuleRon {
            name,
            signature,
            regions: self.regions.clone(),
        })
    }
}
