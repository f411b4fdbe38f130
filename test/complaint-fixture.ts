// A 12345 ticket as the API hands it to complaintCase (complainant already masked), for the
// workflow tests of complaints: the item SP-FOOD-01 routes it to the market regulator's food division.
import { complaintNoOf, type ComplaintCaseInput } from '../workflows/contracts.js';
import { DEMO, freshCreditCode, uniqueId } from './helpers.js';

export const complaintInput = (overrides: Partial<ComplaintCaseInput> = {}): ComplaintCaseInput => {
  const ticketId = uniqueId('GD').replace(/-/g, '');
  return {
    complaintNo: complaintNoOf('12345', ticketId),
    source: '12345',
    ticketId,
    regionCode: DEMO.region,
    requestHash: 'h',
    enterprise: { creditCode: freshCreditCode(), name: '答复期限测试食品店' },
    matter: '反映该店卫生条件差',
    itemCode: 'SP-FOOD-01',
    complainant: { name: '李*', phone: '139****0001' },
    receivedBy: { sub: 'hotline:12345', role: 'hotline', hotline: '12345', region: DEMO.region },
    ...overrides,
  };
};
