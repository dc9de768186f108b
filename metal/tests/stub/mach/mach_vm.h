// mach/mach_vm.h (stub) — see mach/mach.h beside it.
#pragma once
#include <mach/mach.h>
kern_return_t mach_vm_region(mach_port_t target_task, mach_vm_address_t *address, mach_vm_size_t *size,
                             vm_region_flavor_t flavor, vm_region_info_t info, mach_msg_type_number_t *infoCnt,
                             mach_port_t *object_name);
