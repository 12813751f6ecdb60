// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the run-time check of hugetlb_wp()'s arguments
 * (module/compat.h): the forms it may take are told apart by reads that
 * cannot fault, and a pointer that is not what a form expects (a folio
 * where a struct vm_fault should be, a user address, garbage) is refused
 * without being dereferenced.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "../../module/compat.h"

#define ADDR_START	0x40000000UL
#define ADDR_END	(ADDR_START + 4 * PMD_SIZE)

struct hwp_fixture {
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct vm_fault *vmf;
	struct page *page;
};

static int hwp_init(struct kunit *test)
{
	struct hwp_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->vma = kunit_kzalloc(test, sizeof(*f->vma), GFP_KERNEL);
	f->mm = kunit_kzalloc(test, sizeof(*f->mm), GFP_KERNEL);
	f->vmf = kunit_kzalloc(test, sizeof(*f->vmf), GFP_KERNEL);
	f->page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->vma);
	KUNIT_ASSERT_NOT_NULL(test, f->mm);
	KUNIT_ASSERT_NOT_NULL(test, f->vmf);
	KUNIT_ASSERT_NOT_NULL(test, f->page);
	f->vma->vm_mm = f->mm;
	f->vma->vm_start = ADDR_START;
	f->vma->vm_end = ADDR_END;
	vm_flags_init(f->vma, VM_HUGETLB | VM_READ | VM_WRITE);
	/* struct vm_fault's first members are const: fill them in place. */
	*(struct vm_area_struct **)&f->vmf->vma = f->vma;
	*(unsigned long *)&f->vmf->address = ADDR_START + PMD_SIZE;
	test->priv = f;
	return 0;
}

static void hwp_exit(struct kunit *test)
{
	struct hwp_fixture *f = test->priv;

	__free_page(f->page);
}

static bool fault(int form, unsigned long a0, unsigned long a1,
		  unsigned long a2, struct mm_struct **mm,
		  unsigned long *address)
{
	unsigned long args[3] = { a0, a1, a2 };

	return ps_hugetlb_wp_fault(form, args, mm, address);
}

/* (vmf) and (folio, vmf): the fault's mm and address. */
static void hwp_vmf_forms(struct kunit *test)
{
	struct hwp_fixture *f = test->priv;
	unsigned long vmf = (unsigned long)f->vmf, address = 0;
	unsigned long folio = (unsigned long)page_folio(f->page);
	struct mm_struct *mm = NULL;

	KUNIT_EXPECT_TRUE(test, fault(PS_HWP_VMF, vmf, 0, 0, &mm, &address));
	KUNIT_EXPECT_PTR_EQ(test, mm, f->mm);
	KUNIT_EXPECT_EQ(test, address, ADDR_START + PMD_SIZE);
	KUNIT_EXPECT_TRUE(test, fault(PS_HWP_FOLIO_VMF, folio, vmf, 0, &mm,
				      &address));
	/* A folio where the vm_fault should be: refused, not followed. */
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_VMF, folio, vmf, 0, &mm,
				       &address));
	/* The vm_fault where the folio should be: arg1 is not one. */
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_FOLIO_VMF, vmf, 0, 0, &mm,
				       &address));
}

/* (mm, vma, address, ...): the vma must be @mm's. */
static void hwp_mm_form(struct kunit *test)
{
	struct hwp_fixture *f = test->priv;
	unsigned long vma = (unsigned long)f->vma, address = 0;
	struct mm_struct *mm = NULL;

	KUNIT_EXPECT_TRUE(test, fault(PS_HWP_MM, (unsigned long)f->mm, vma,
				      ADDR_START, &mm, &address));
	KUNIT_EXPECT_PTR_EQ(test, mm, f->mm);
	KUNIT_EXPECT_EQ(test, address, ADDR_START);
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_MM, (unsigned long)f->vmf, vma,
				       ADDR_START, &mm, &address));
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_MM, (unsigned long)f->mm, vma,
				       ADDR_END, &mm, &address));
	/* A vm_fault read as (mm, vma, address) does not fit either. */
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_MM, (unsigned long)f->vmf, 0,
				       0, &mm, &address));
}

/* What is not a hugetlb fault at all. */
static void hwp_refused(struct kunit *test)
{
	static const unsigned long junk[] = {
		0, 0x1000, 0x7fffdeadb000UL, 0xdead000000000100UL,
		0xffffffffffffffffUL,
	};
	struct hwp_fixture *f = test->priv;
	unsigned long address, vmf = (unsigned long)f->vmf;
	struct mm_struct *mm;
	int i;

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		KUNIT_EXPECT_FALSE(test, fault(PS_HWP_VMF, junk[i], 0, 0, &mm,
					       &address));
		KUNIT_EXPECT_FALSE(test, fault(PS_HWP_FOLIO_VMF, 0, junk[i],
					       0, &mm, &address));
		KUNIT_EXPECT_FALSE(test, fault(PS_HWP_MM, (unsigned long)f->mm,
					       junk[i], ADDR_START, &mm,
					       &address));
	}
	/* Not hugetlb, or the address outside the vma. */
	vm_flags_init(f->vma, VM_READ | VM_WRITE);
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_VMF, vmf, 0, 0, &mm, &address));
	vm_flags_init(f->vma, VM_HUGETLB | VM_READ | VM_WRITE);
	*(unsigned long *)&f->vmf->address = ADDR_END;
	KUNIT_EXPECT_FALSE(test, fault(PS_HWP_VMF, vmf, 0, 0, &mm, &address));
}

/* The form picked among those this kernel version may have. */
static void hwp_form_found(struct kunit *test)
{
	struct hwp_fixture *f = test->priv;
	unsigned long vmf_args[3] = { (unsigned long)f->vmf, 0, 0 };
	unsigned long folio_args[3] = {
		(unsigned long)page_folio(f->page), (unsigned long)f->vmf, 0
	};
	int form = ps_hugetlb_wp_form(vmf_args);

	/*
	 * KUnit runs on the debug kernel (7.3): (vmf) only, from 6.17 on, so
	 * the (folio, vmf) arguments fit nothing.
	 */
	KUNIT_EXPECT_EQ(test, form, PS_HWP_VMF);
	KUNIT_EXPECT_EQ(test, ps_hugetlb_wp_form(folio_args), PS_HWP_UNKNOWN);
}

static struct kunit_case hwp_cases[] = {
	KUNIT_CASE(hwp_vmf_forms),
	KUNIT_CASE(hwp_mm_form),
	KUNIT_CASE(hwp_refused),
	KUNIT_CASE(hwp_form_found),
	{}
};

static struct kunit_suite hwp_suite = {
	.name = "pinshadow_hugetlb_wp_args",
	.init = hwp_init,
	.exit = hwp_exit,
	.test_cases = hwp_cases,
};

kunit_test_suite(hwp_suite);
