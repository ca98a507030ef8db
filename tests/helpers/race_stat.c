// SPDX-License-Identifier: GPL-2.0-or-later
/* Test helper: two threads share the work of stat-ing the paths given
 * (whoever takes the next one does it), so which thread did what varies
 * from run to run while what the process did does not. */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

static char **paths;
static int npaths;
static atomic_int next;

static void *work(void *arg)
{
	struct stat st;
	int i;

	(void)arg;
	while ((i = atomic_fetch_add(&next, 1)) < npaths)
		stat(paths[i], &st);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	paths = argv + 1;
	npaths = argc - 1;
	if (pthread_create(&t, NULL, work, NULL) != 0)
		return 1;
	work(NULL);
	pthread_join(t, NULL);
	return 0;
}
