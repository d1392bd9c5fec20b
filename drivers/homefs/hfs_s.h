/*
 * homefs structures: the on-disk layout (docs/homefs.md describes it and
 * why it is crash safe) and the in-memory state behind the incomplete
 * types of hfs.h. Only the library's own files include this.
 */
#ifndef HFS_S_H
#define HFS_S_H

#include "hfs.h"
#include "hfs_port.h"

/* ---- on disk ---- */

#define HFS_SECTORS_PER_BLOCK (HFS_BLOCK_BYTES / HFS_SECTOR_BYTES)
#define HFS_FIRST_DATA_BLOCK  2 /* blocks 0 and 1 hold the two superblock slots */
#define HFS_MIN_BLOCKS	      64
#define HFS_MAX_BLOCKS	      0xfffffff0u /* block numbers are 32 bits */
#define HFS_SEG_BLOCKS	      16	  /* a log segment: up to 64 KiB */
#define HFS_LOG_MIN_BLOCKS    64	  /* the log may always grow this far before a checkpoint */

/* The superblock: the first sector of block 0 or block 1. */
#define HFS_SB_MAGIC	 "ARCHKHOM"
#define HFS_VERSION	 1
#define HFS_SB_MAGIC_O	 0  /* char[8] */
#define HFS_SB_VERS_O	 8  /* u32 */
#define HFS_SB_CRC_O	 12 /* u32: crc32c of the sector with this field 0 */
#define HFS_SB_ID_O	 16 /* u64: the filesystem's identity, chosen at format */
#define HFS_SB_SEQ_O	 24 /* u64: sequence number of this checkpoint commit */
#define HFS_SB_BLOCKS_O	 32 /* u64: blocks of the filesystem */
#define HFS_SB_BSIZE_O	 40 /* u32: HFS_BLOCK_BYTES */
#define HFS_SB_SNAP_O	 44 /* u32: first block of the snapshot */
#define HFS_SB_SNAPN_O	 48 /* u32: blocks of the snapshot */
#define HFS_SB_LOG_O	 52 /* u32: first block of the log's first segment */
#define HFS_SB_LOGN_O	 56 /* u32: blocks of that segment */
#define HFS_SB_SNAPCRC_O 60 /* u32: crc32c of the snapshot blocks' CRCs, in order */
#define HFS_SB_TIME_O	 64 /* i64: when the filesystem was formatted */

/* A snapshot block: this header, then whole ops. */
#define HFS_SNAP_MAGIC	 0x4e534648u /* "HFSN" */
#define HFS_SNAP_HDR	 40
#define HFS_SNAP_MAGIC_O 0  /* u32 */
#define HFS_SNAP_CRC_O	 4  /* u32: crc32c of the block with this field 0 */
#define HFS_SNAP_ID_O	 8  /* u64: filesystem identity */
#define HFS_SNAP_SEQ_O	 16 /* u64: the checkpoint's sequence number */
#define HFS_SNAP_INDEX_O 24 /* u32: position in the snapshot, from 0 */
#define HFS_SNAP_NEXT_O	 28 /* u32: the next snapshot block, 0 after the last */
#define HFS_SNAP_BYTES_O 32 /* u32: bytes of ops after the header */

/* A log record: this header, then whole ops, padded to a sector with zeros. */
#define HFS_REC_MAGIC	0x474c4648u /* "HFLG" */
#define HFS_REC_HDR	48
#define HFS_REC_MAGIC_O 0  /* u32 */
#define HFS_REC_CRC_O	4  /* u32: crc32c of the record's bytes with this field 0 */
#define HFS_REC_ID_O	8  /* u64: filesystem identity */
#define HFS_REC_SEQ_O	16 /* u64: this commit's sequence number */
#define HFS_REC_BYTES_O 24 /* u32: bytes of the record, header included */
#define HFS_REC_SEGN_O	28 /* u32: blocks of the segment holding the record */
#define HFS_REC_NEXT_O	32 /* u32: the segment the log continues in */
#define HFS_REC_NEXTN_O 36 /* u32: its blocks */
#define HFS_REC_MAX	(HFS_SEG_BLOCKS * HFS_BLOCK_BYTES)

/* Ops: u8 type, u16 total length, then the fields. */
enum hfs_op_type {
	HFS_OP_CREATE = 1, /* u64 ino, u64 parent, u8 kind, i64 time, u8 len, name */
	HFS_OP_REMOVE = 2, /* u64 parent, u8 len, name */
	HFS_OP_RENAME = 3, /* u64 from parent, u64 to parent, u8 len, name, u8 len, name */
	HFS_OP_ATTR = 4,   /* u64 ino, i64 mtime, i64 ctime */
	HFS_OP_SIZE = 5,   /* u64 ino, u64 size: blocks past the end are dropped */
	HFS_OP_MAP = 6,	   /* u64 ino, u64 file block, u32 disk block, u32 count */
	HFS_OP_VERIFY = 7, /* u32 disk block, u32 count, u32 crc of the blocks' crcs */
};
#define HFS_OP_HDR     3
#define HFS_OP_MAX     (HFS_OP_HDR + 8 + 8 + 1 + HFS_NAME_MAX + 1 + HFS_NAME_MAX)
#define HFS_OPB_CREATE (HFS_OP_HDR + 8 + 8 + 1 + 8 + 1) /* plus the name */
#define HFS_OPB_REMOVE (HFS_OP_HDR + 8 + 1)
#define HFS_OPB_RENAME (HFS_OP_HDR + 8 + 8 + 1 + 1)
#define HFS_OPB_ATTR   (HFS_OP_HDR + 8 + 8 + 8)
#define HFS_OPB_SIZE   (HFS_OP_HDR + 8 + 8)
#define HFS_OPB_MAP    (HFS_OP_HDR + 8 + 8 + 4 + 4)
#define HFS_OPB_VERIFY (HFS_OP_HDR + 4 + 4 + 4)

#define HFS_ROOT_INO 1

/* ---- in memory ---- */

/* A growable array of 32-bit values. */
struct hfs_vec {
	uint32_t *v;
	uint32_t n, cap;
};

/* A growable byte buffer. */
struct hfs_buf {
	uint8_t *p;
	size_t len, cap;
};

/* A bitmap over the disk's blocks. */
struct hfs_bitmap {
	uint64_t *w;
	uint32_t bits;
};

/* Disk block -> crc32c of its contents, for blocks not yet in a durable commit. */
struct hfs_crcmap {
	uint32_t *keys; /* 0: empty slot */
	uint32_t *crcs;
	uint32_t cap, n; /* cap: a power of two */
};

/* file blocks [fblock, fblock + count) are disk blocks [dblock, dblock + count). */
struct hfs_extent {
	uint64_t fblock;
	uint32_t dblock;
	uint32_t count;
};

/* A file's block map: extents sorted by fblock, not overlapping. */
struct hfs_map {
	struct hfs_extent *v;
	uint32_t n, cap;
};

/* A directory's entries: slots in listing order, and a hash index over names. */
struct hfs_dirtab {
	struct hfs_inode **slots; /* NULL: a free slot */
	uint32_t nslots, cap;	  /* slots in use up to nslots */
	uint32_t *index;	  /* open addressing: slot + 1, 0 empty */
	uint32_t index_cap;	  /* a power of two, or 0 */
	uint32_t entries;	  /* live entries */
	struct hfs_vec free_slots;
};

/*
 * A file's private state while it is open: changes not yet published.
 * The working view of block b is the overlay's block if it has one, else
 * the published block if b lies below the cut, else a hole.
 */
struct hfs_vnode {
	uint64_t size; /* working size */
	uint64_t cut;  /* lowest size it was truncated to (UINT64_MAX: none) */
	int64_t mtime, ctime;
	struct hfs_map overlay; /* blocks written since the last publish: the file's own */
	uint32_t overlay_blocks;
	int dirty;
};

struct hfs_inode {
	uint64_t ino;
	struct hfs_inode *hnext;  /* inode table chain */
	struct hfs_inode *parent; /* NULL for the root and for removed nodes */
	char *name;
	uint32_t name_hash;
	uint8_t name_len;
	uint8_t kind;	     /* HFS_KIND_* */
	uint8_t linked;	     /* in the tree (and the inode table) */
	uint32_t slot;	     /* in parent->dir */
	uint32_t opens;	     /* open nodes */
	uint64_t removed_in; /* removed while open: the commit that records it */
	int64_t mtime, ctime;
	uint64_t size;	    /* published size of a file */
	struct hfs_map map; /* published blocks of a file */
	struct hfs_dirtab dir;
	struct hfs_vnode *vn; /* a file's unpublished changes, or NULL */
};

struct hfs_node {
	struct hfs *fs;
	struct hfs_inode *ip;
	struct hfs_node *next, *prev; /* every open node of fs */
};

/* One write of count sectors from buf at sector. */
struct hfs_write {
	uint64_t sector;
	const void *buf;
	uint32_t count;
};

/* A position in the log: a segment and the sectors used in it. */
struct hfs_logpos {
	uint32_t seg, seg_blocks;   /* the segment being filled */
	uint32_t used;		    /* sectors of it holding records */
	uint32_t next, next_blocks; /* the segment reserved after it, or 0 */
};

#define HFS_DISCARDED_CHECKPOINT 1u /* the newest superblock's checkpoint */
#define HFS_DISCARDED_RECORD	 2u /* the last log record */

struct hfs {
	struct hfs_disk disk;
	unsigned flags;	     /* HFS_MOUNT_* */
	int failed;	     /* a write failed: refuse changes (IO) */
	int live;	     /* mounted: ops release blocks (not while replaying) */
	unsigned discarded;  /* HFS_DISCARDED_*: what mount found cut short by a crash */
	uint64_t discard[2]; /* mount: first sectors of those, overwritten once mounted */
	uint64_t fs_id;
	uint32_t blocks; /* blocks of the filesystem */
	int64_t created;

	/* commits */
	uint64_t seq;	     /* the last durable commit */
	int sb_slot;	     /* slot of the superblock of the current checkpoint */
	struct hfs_vec snap; /* blocks of the current snapshot */
	uint32_t snap_crc;   /* the CRC of their CRCs, in the superblock */
	struct hfs_vec segs; /* log segments since it: start, blocks, start, blocks, ... */
	uint32_t log_blocks;
	uint32_t seg_blocks, log_min_blocks; /* hfs_tune */
	struct hfs_logpos log;
	struct hfs_buf ops; /* ops since the last commit */

	/* blocks */
	struct hfs_bitmap used;	    /* referenced, reserved or not yet reusable */
	struct hfs_bitmap fresh;    /* data blocks no durable commit references */
	struct hfs_bitmap pubfresh; /* fresh blocks that a published file references */
	struct hfs_vec pubfresh_list;
	struct hfs_vec pending_free; /* released blocks a durable commit still references */
	struct hfs_crcmap crcs;	     /* of fresh data blocks */
	uint32_t free_blocks;
	uint32_t cursor; /* next-fit allocation */

	/* the tree */
	struct hfs_inode *root;
	struct hfs_node *nodes;
	struct hfs_inode **itab; /* inode number hash */
	uint32_t itab_cap, inodes, dirs;
	uint64_t next_ino;
	uint64_t name_bytes;
	uint64_t extents;	  /* published, in every file's map */
	uint64_t overlay_extents; /* in every vnode's overlay */
	uint64_t overlay_blocks;

	/*
	 * The write-back batch: data blocks files wrote, consecutive on the
	 * disk from wb_first, not written there yet. They go with the next
	 * commit's record, or before a batch that does not continue this one.
	 */
	uint8_t *wb;	   /* HFS_SEG_BLOCKS blocks */
	uint32_t wb_first; /* the disk block of its first block */
	uint32_t wb_n;	   /* blocks in it */
	uint32_t wb_dead;  /* bit i: block wb_first + i was freed, not to be written */

	uint8_t *stage; /* HFS_REC_MAX bytes for building writes */
	uint8_t *block; /* one block for read-modify-write */
	char *why;	/* mount: where to explain a refusal */
	size_t why_len;
};

#endif
