/*
 * defer.c - requests kept unanswered until they can be answered: this is
 * how a client of ipcd blocks (handouts/lab4-schemes.md §5, "Deferred
 * answers"). The client sleeps in the kernel on its own request; ipcd
 * neither sleeps nor polls for it, it just answers later.
 *
 * The table is a list in arrival order. Retrying walks it oldest first and
 * asks the server's handler again, which answers from the new state or
 * says IPCD_DEFER once more. A handler that answers may change the state
 * again (a kept write that fits now gives a kept read its data), so the
 * walk repeats until a whole pass changes nothing; a handler that keeps a
 * request changes nothing, so this ends.
 */
#include "ipcd.h"

static struct scheme_packet *kept;
static int kept_count;
static bool changed;

int defer_init(void)
{
	kept = malloc(DEFER_MAX * sizeof(*kept));
	kept_count = 0;
	return kept ? 0 : -ENOMEM;
}

bool defer_add(const struct scheme_packet *p)
{
	if (kept_count == DEFER_MAX)
		return false;
	kept[kept_count++] = *p;
	return true;
}

void defer_note_change(void)
{
	changed = true;
}

static void defer_remove(int index)
{
	memmove(&kept[index], &kept[index + 1], (size_t)(kept_count - index - 1) * sizeof(*kept));
	kept_count--;
}

void defer_retry(ipcd_handler handler)
{
	while (changed) {
		changed = false;
		for (int i = 0; i < kept_count;) {
			int64_t result = handler(&kept[i]);

			if (result == IPCD_DEFER) {
				i++;
				continue;
			}
			reply_send(&kept[i], result);
			defer_remove(i);
		}
	}
}

void defer_cancel_handle(uint64_t handle, int64_t result)
{
	for (int i = 0; i < kept_count;) {
		/* Only read, write and dup are ever kept: b is their handle. */
		if (kept[i].b != handle) {
			i++;
			continue;
		}
		reply_send(&kept[i], result);
		defer_remove(i);
	}
}
