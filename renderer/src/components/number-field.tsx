// number-field.tsx — a labelled number input for settings forms (name → FormData).
export function NumberField({ name, label, value, min, max, step }: { name: string; label: string; value: number; min: number; max: number; step: number }) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type="number" name={name} defaultValue={value} min={min} max={max} step={step} required />
    </label>
  );
}

export const numberOf = (form: FormData, name: string): number => Number(form.get(name));
