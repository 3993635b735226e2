//! Error text written into a buffer the caller owns, so that a failed call leaves nothing to free.

use libc::{c_char, size_t};

/// Writes `msg` truncated to `cap - 1` bytes (on a UTF-8 boundary) plus a NUL into `buf`, and the length written
/// (without the NUL) into `len_out`. Either pointer may be NULL, in which case that part is skipped.
pub(crate) fn write_error(msg: &str, buf: *mut c_char, cap: size_t, len_out: *mut size_t) {
    let mut n = 0;
    if !buf.is_null() && cap > 0 {
        n = msg.len().min(cap - 1);
        while !msg.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the host gives `cap` writable bytes at a non-NULL `buf`; `n < cap`, so the `n` bytes and the NUL fit.
        unsafe {
            std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    if !len_out.is_null() {
        // SAFETY: `len_out` is non-NULL and points to a writable size_t (the header's contract).
        unsafe { *len_out = n };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundary_and_terminates() {
        let mut buf = [0x7f as c_char; 6];
        let mut len = 99;
        write_error("ab\u{e9}cd", buf.as_mut_ptr(), 4, &mut len);
        // "ab" + 2-byte 'é' would need 4 bytes plus the NUL, so only "ab" fits.
        assert_eq!(len, 2);
        assert_eq!(&buf[..3], &[b'a' as c_char, b'b' as c_char, 0]);
    }

    #[test]
    fn null_pointers_are_skipped() {
        write_error("x", std::ptr::null_mut(), 10, std::ptr::null_mut());
    }
}
