import { missingVariables, renderTemplate, templateVariables } from './template';

const budi = {
  phone: '+6281234567890',
  name: 'Budi',
  variables: { City: 'Bandung', code: 'A-1', empty: '' },
};

describe('campaign templates', () => {
  it('lists the variables a template uses, once each', () => {
    expect(templateVariables('Hi {{ name }}, {{city}} / {{City}} {{code}} {{ first name }}')).toEqual([
      'name',
      'city',
      'code',
      'first name',
    ]);
    expect(templateVariables('no variables {here}')).toEqual([]);
  });

  it('renders name, phone and CSV columns (any case); a missing one renders as nothing', () => {
    expect(renderTemplate('Hi {{name}} ({{phone}}) from {{city}}: {{code}}{{missing}}.', budi)).toBe(
      'Hi Budi (+6281234567890) from Bandung: A-1.',
    );
  });

  it('says which variables a recipient lacks (empty counts as missing)', () => {
    expect(missingVariables(['name', 'city', 'empty', 'zip'], budi)).toEqual(['empty', 'zip']);
    expect(missingVariables(['name'], { phone: '+1', name: null, variables: null })).toEqual(['name']);
  });
});
