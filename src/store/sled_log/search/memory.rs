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

/// Keeps glibc's mmap threshold at its initial 128 KiB. glibc raises it (up
/// to 32 MiB) whenever a block it had mapped on its own is freed; from then
/// on the index's blocks, sled's buffers and an import's large buffers come
/// from the heap, where small live allocations between them keep freed
/// pages resident. Held fixed, such blocks are mapped on their own and given
/// back when freed: after importing 110,000 records through the daemon and
/// searching, 121–124 MiB resident instead of 126–129 MiB. Called once, at
/// the start of the daemon.
pub(crate) fn keep_large_blocks_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's own tuning, under its locks.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
