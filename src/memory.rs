//! Handing the heap that a burst of work freed back to the system.

/// After a large import, or building the search index, a long-running
/// process has freed the parsed document, the staged batches or the decoded
/// entries, but glibc keeps those pages in its arenas (freed chunks between
/// live ones are not returned by `free`): the daemon's resident memory stayed
/// at two to three times what the data it keeps needs. `malloc_trim`
/// releases every whole free page. It walks the heap, so it is called after
/// rare, large work only, never per request.
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the kernel; it takes the
    // allocator's own locks and touches no memory the program holds.
    unsafe {
        libc::malloc_trim(0);
    }
}
