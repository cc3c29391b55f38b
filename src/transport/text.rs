//! Peer text echoed in answers and errors, bounded.

/// `text` cut to at most `max` bytes at a character boundary, with an ellipsis when cut: peer
/// input echoed in an answer stays bounded.
pub fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_at_a_character_boundary() {
        assert_eq!(bounded("short", 10), "short");
        assert_eq!(bounded("abcdefghij", 8), "abcde...");
        assert_eq!(bounded("ééééé", 6), "é...");
        assert!(bounded(&"x".repeat(10_000), 256).len() <= 256);
    }
}
